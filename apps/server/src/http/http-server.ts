import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { AppDeps } from '@keyhole/api/host';
import { ByteBudget, LIMITS } from '@keyhole/api/host';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/unstable-core-do-not-import';
import { createApiDocsHandler } from './api-docs';
import { type EdgeRefusal, type RefusalWriter, sendRestError, sendTrpcError } from './error-answers';
import { idempotencyHeaderRefusal } from './idempotency-header';
import { findKeyInUrl } from './key-in-url';
import { procedureCalls } from './procedure-calls';
import { countRawHeader } from './raw-headers';
import { createRestHandler } from './rest-handler';
import { createSecretScanningHandler, SECRET_SCANNING_PATH } from './secret-scanning-handler';
import { createStaticHandler } from './static-files';
import { createTrpcHandler } from './trpc-handler';

export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** Node keeps only the first of several `Authorization` headers; the raw list tells the truth. */
function authorizationCount(req: IncomingMessage): number {
  return countRawHeader(req, 'authorization');
}

// Headers every API answer carries (SPEC §9): answers may hold secrets, and are JSON only.
const API_HEADERS: [string, string][] = [
  ['cache-control', 'no-store'],
  ['x-content-type-options', 'nosniff'],
];

/**
 * The refusals every API face makes before a procedure sees a request, in SPEC §9's order:
 * size → key in URL → duplicate Authorization. The connection of an oversized body is closed (the
 * body is not read: no draining up to a gigabyte).
 */
function transportRefusal(req: IncomingMessage, res: ServerResponse): EdgeRefusal | null {
  const length = Number(req.headers['content-length']);
  if (Number.isFinite(length) && length > LIMITS.maxBodyBytes) {
    res.setHeader('connection', 'close');
    return {
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: `Request bodies are limited to ${LIMITS.maxBodyBytes} bytes (1 MiB).`,
    };
  }
  const where = findKeyInUrl(req.url ?? '');
  if (where !== null) {
    return {
      status: 400,
      code: 'BAD_REQUEST',
      message: `API keys must not be sent in the URL (${where}): send them in the Authorization header. Treat this key as leaked and regenerate it.`,
      reason: 'key_in_url',
    };
  }
  if (authorizationCount(req) > 1) {
    return {
      status: 400,
      code: 'BAD_REQUEST',
      message: 'Send exactly one Authorization header: several were sent.',
      reason: 'duplicate_authorization',
    };
  }
  return null;
}

/** tRPC's own refusals after the transport's: batch too large → a misplaced or malformed Idempotency-Key. */
function trpcRefusal(
  deps: AppDeps,
  req: IncomingMessage,
  path: string,
  search: URLSearchParams,
): EdgeRefusal | null {
  if (search.get('batch') === '1') {
    const calls = path.split(',').length;
    if (calls > deps.config.maxBatch) {
      return {
        status: 400,
        code: 'BAD_REQUEST',
        message: `A batch holds at most ${deps.config.maxBatch} calls; this one has ${calls}. Split it into smaller batches.`,
        reason: 'batch_too_large',
      };
    }
  }
  return idempotencyRefusal(req, search);
}

/** Several or malformed `Idempotency-Key` headers, on /trpc and /v1 alike (REST has no batches). */
function idempotencyRefusal(req: IncomingMessage, search: URLSearchParams): EdgeRefusal | null {
  const idempotency = idempotencyHeaderRefusal(req, search);
  if (idempotency !== null) {
    return { status: 400, code: 'BAD_REQUEST', message: idempotency.message, reason: idempotency.reason };
  }
  return null;
}

/**
 * Aborted when the client goes away before its answer is complete, or when the request outlives
 * `KEYHOLE_REQUEST_TIMEOUT_MS` (then answered 408 `request_timeout` if nothing was sent yet): work
 * still waiting for it (queued reads, a mutation not yet committed) stops instead of running on.
 */
function requestLifetime(
  deps: AppDeps,
  req: IncomingMessage,
  res: ServerResponse,
  send: RefusalWriter,
): AbortController {
  const controller = new AbortController();
  // The stock adapter's calls of a batch each listen on it: up to the batch cap, not a leak.
  setMaxListeners(4 * 1000, controller.signal);
  const timer = setTimeout(() => {
    controller.abort(new Error('request deadline passed'));
    deps.logger.warn({ requestId: (req as IncomingMessage & { id?: string }).id }, 'request deadline passed');
    if (!res.headersSent) {
      res.setHeader('connection', 'close');
      send(res, {
        status: 408,
        code: 'TIMEOUT',
        message: `The request took longer than ${deps.config.requestTimeoutMs} ms and was stopped. Retry it, or ask for less at once.`,
        reason: 'request_timeout',
      });
    } else {
      res.destroy();
    }
  }, deps.config.requestTimeoutMs);
  timer.unref();
  res.once('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
  });
  return controller;
}

/**
 * Requests node:http cannot parse never reach the listener: by default Node answers them with a
 * bare 400, or 431 when the request line and headers pass its 16 KiB limit (a long query URL, a
 * huge cookie). They get a tRPC-shaped JSON error with a SPEC code instead, like every other
 * answer: 413 PAYLOAD_TOO_LARGE for the size limit, 400 BAD_REQUEST for the rest. The raw bytes
 * are never logged: they may hold a credential.
 */
export function answerClientError(deps: AppDeps, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const body = JSON.stringify({
      error: {
        message: `The request did not arrive in time (headers within ${LIMITS.headersTimeoutMs / 1000} s, the whole request within ${LIMITS.bodyTimeoutMs / 1000} s).`,
        code: TRPC_ERROR_CODES_BY_KEY.TIMEOUT,
        data: { code: 'TIMEOUT', httpStatus: 408, reason: 'request_timeout' },
      },
    });
    socket.end(
      `HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const [status, statusText, code, rpcCode, message] = tooLarge
    ? [
        413,
        'Payload Too Large',
        'PAYLOAD_TOO_LARGE',
        -32013,
        'Request line and headers exceed 16 KiB: shorten the query input or split the batch.',
      ]
    : [400, 'Bad Request', 'BAD_REQUEST', -32600, 'Malformed HTTP request.'];
  deps.logger.debug({ code: err.code }, 'unparsable HTTP request');
  const body = JSON.stringify({ error: { message, code: rpcCode, data: { code, httpStatus: status } } });
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** How long `/readyz` waits for `select 1` before calling the database unavailable. */
export const READINESS_TIMEOUT_MS = 1000;

/** Readiness (SPEC §6): `200 ready`, or 503 `database_unavailable` while the database cannot be reached. */
async function answerReadiness(deps: AppDeps, res: ServerResponse) {
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    deps.database.query('select 1').then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (res.writableEnded || res.destroyed) return;
  if (ready) {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('ready');
    return;
  }
  res.setHeader('cache-control', 'no-store');
  res.setHeader('retry-after', '1');
  sendTrpcError(res, {
    status: 503,
    code: 'SERVICE_UNAVAILABLE',
    message: 'The database cannot be reached.',
    reason: 'database_unavailable',
  });
}

export function createRequestListener(deps: AppDeps, webRoot = WEB_DIST, adapter?: 'fast' | 'stock') {
  // One budget for the answers being assembled across the process, whichever face assembles them.
  const budget = new ByteBudget(LIMITS.responseBudgetBytes);
  const calls = procedureCalls(deps);
  const trpc = createTrpcHandler(deps, calls, budget, adapter);
  const rest = createRestHandler(deps, calls, budget);
  const apiDocs = createApiDocsHandler();
  const secretScanning = createSecretScanningHandler(deps);
  const serveStatic = createStaticHandler(webRoot);
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    (req as IncomingMessage & { id: string }).id = requestId;
    res.setHeader('x-request-id', requestId);
    let pathname = '/';
    let search = new URLSearchParams();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      pathname = url.pathname;
      search = url.searchParams;
    } catch {
      // An unparsable URL is answered below as a plain 400.
      pathname = '';
    }
    // A URL carrying a key is never logged, not even its path (the key may sit in the path).
    const keyInUrl = findKeyInUrl(req.url ?? '') !== null;
    const loggedPath = keyInUrl ? '[refused: key in URL]' : pathname;
    res.on('finish', () => {
      // The path only: query strings may hold input or, when refused, a credential.
      deps.logger.info(
        {
          requestId,
          method: req.method,
          path: loggedPath,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    if (pathname === '') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request\n');
      return;
    }
    if (pathname === '/healthz') {
      // Liveness: the process answers, whatever the database (SPEC §6).
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (pathname === '/readyz') {
      void answerReadiness(deps, res);
      return;
    }
    if (pathname === '/trpc' || pathname.startsWith('/trpc/')) {
      for (const [name, value] of API_HEADERS) res.setHeader(name, value);
      const path = pathname.slice('/trpc/'.length);
      const refusal = transportRefusal(req, res) ?? trpcRefusal(deps, req, path, search);
      if (refusal) return sendTrpcError(res, refusal);
      trpc(req, res, path, search, requestLifetime(deps, req, res, sendTrpcError));
      return;
    }
    if (pathname === '/v1' || pathname.startsWith('/v1/')) {
      for (const [name, value] of API_HEADERS) res.setHeader(name, value);
      const refusal = transportRefusal(req, res) ?? idempotencyRefusal(req, new URLSearchParams());
      if (refusal) return sendRestError(res, refusal);
      rest(req, res, pathname, search, requestLifetime(deps, req, res, sendRestError));
      return;
    }
    if (keyInUrl) {
      sendTrpcError(res, {
        status: 400,
        code: 'BAD_REQUEST',
        message: 'API keys must not be sent in the URL: treat this key as leaked and regenerate it.',
        reason: 'key_in_url',
      });
      return;
    }
    if (pathname === SECRET_SCANNING_PATH) {
      for (const [name, value] of API_HEADERS) res.setHeader(name, value);
      secretScanning(req, res, requestId).catch((err: unknown) => {
        // Only the rate limiter's store can throw here; it has an in-memory fallback, so this is a bug.
        deps.logger.error({ err, requestId }, 'secret-scanning endpoint failed');
        if (!res.headersSent) {
          sendRestError(res, { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal error.' });
        }
      });
      return;
    }
    if (pathname === '/docs/api' || pathname.startsWith('/docs/api/')) {
      apiDocs(req, res, pathname);
      return;
    }
    serveStatic(req, res, pathname);
  };
}

export interface RunningServer {
  server: Server;
  url: string;
  /**
   * Stops accepting; idle keep-alive connections close at once, requests in flight may finish
   * within `graceMs` (their answers carry `Connection: close`), then what is left is cut.
   * Resolves when every connection is closed.
   */
  close(graceMs?: number): Promise<void>;
}

export async function startHttpServer(
  deps: AppDeps,
  opts: { host?: string; port?: number; webRoot?: string; adapter?: 'fast' | 'stock' } = {},
) {
  const listener = createRequestListener(deps, opts.webRoot, opts.adapter);
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const server = createServer(
    {
      headersTimeout: LIMITS.headersTimeoutMs,
      requestTimeout: LIMITS.bodyTimeoutMs,
      // How often node:http looks for requests past those timeouts (its default is 30 s).
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      inFlight.add(res);
      res.once('close', () => {
        inFlight.delete(res);
        // While draining, a connection whose last answer went out is closed, not kept alive.
        if (draining) setImmediate(() => server.closeIdleConnections());
      });
      if (draining) res.setHeader('connection', 'close');
      listener(req, res);
    },
  );
  server.on('clientError', (err, socket) => answerClientError(deps, err, socket as Socket));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? deps.config.port, opts.host ?? deps.config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        draining = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        const cut = setTimeout(() => {
          if (inFlight.size > 0)
            deps.logger.warn(
              { requests: inFlight.size, graceMs },
              'shutdown grace over: cutting requests still in flight',
            );
          server.closeAllConnections();
        }, graceMs);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  } satisfies RunningServer;
}
