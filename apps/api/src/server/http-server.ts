import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { AppDeps } from '../deps';
import { findKeyInUrl } from './key-in-url';
import { createStaticHandler } from './static-files';
import { createTrpcHandler } from './trpc-handler';

export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

function sendTrpcError(res: ServerResponse, status: number, code: string, message: string, reason?: string) {
  const body = JSON.stringify({
    error: { message, code: -32600, data: { code, httpStatus: status, ...(reason ? { reason } : {}) } },
  });
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
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

export function createRequestListener(deps: AppDeps, webRoot = WEB_DIST, adapter?: 'fast' | 'stock') {
  const trpc = createTrpcHandler(deps, adapter);
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
    res.on('finish', () => {
      // The path only: query strings may hold input or, when refused, a credential.
      deps.logger.info(
        {
          requestId,
          method: req.method,
          path: pathname,
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
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (pathname === '/trpc' || pathname.startsWith('/trpc/')) {
      const param = findKeyInUrl(search);
      if (param !== null) {
        sendTrpcError(
          res,
          400,
          'BAD_REQUEST',
          `API keys must not be sent in the URL (query parameter "${param}"): send them in the Authorization header. Treat this key as leaked and regenerate it.`,
          'key_in_url',
        );
        return;
      }
      trpc(req, res, pathname.slice('/trpc/'.length), search);
      return;
    }
    serveStatic(req, res, pathname);
  };
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(
  deps: AppDeps,
  opts: { host?: string; port?: number; webRoot?: string; adapter?: 'fast' | 'stock' } = {},
) {
  const server = createServer(createRequestListener(deps, opts.webRoot, opts.adapter));
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  } satisfies RunningServer;
}
