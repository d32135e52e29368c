import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps, ByteBudget, Context, RequestInfo } from '@keyhole/api/host';
import {
  appRouter,
  LIMITS,
  matchRestPath,
  openApiDocumentText,
  publicOrigin,
  restInput,
} from '@keyhole/api/host';
import {
  type AnyProcedure,
  getErrorShape,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  TRPCError,
} from '@trpc/server/unstable-core-do-not-import';
import { sendRestError } from './error-answers';
import type { ProcedureCalls } from './procedure-calls';
import { readBodyOrRefuse } from './read-body';
import { requestInfo } from './request-info';

export type RestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  search: URLSearchParams,
  lifetime: AbortController,
) => void;

const OPENAPI_PATH = '/v1/openapi.json';

/** `application/json`, with or without parameters (`; charset=utf-8`), in any letter case. */
function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * The public origin of the request (`publicOrigin`, the rule the Origin check of mutations uses:
 * X-Forwarded-Proto from a trusted proxy counts); a request without Host (HTTP/1.0) gets the port's.
 */
function origin(deps: AppDeps, req: Pick<RequestInfo, 'secure' | 'host'>): string {
  return publicOrigin(deps.config.publicUrl, {
    secure: req.secure,
    host: req.host ?? `127.0.0.1:${deps.config.port}`,
  });
}

/**
 * The REST face (SPEC §10) at node:http: a route of `@keyhole/api`'s table calls its tRPC procedure
 * exactly as the tRPC path does (same context, middlewares, input parser, error formatter), with
 * the answer as the body and errors in the REST envelope. `/v1/openapi.json` is public.
 */
export function createRestHandler(deps: AppDeps, calls: ProcedureCalls, budget: ByteBudget): RestHandler {
  return (req, res, pathname, search, lifetime) => {
    if (pathname === OPENAPI_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        sendRestError(res, {
          status: 405,
          code: 'METHOD_NOT_SUPPORTED',
          message: `${req.method} is not supported on ${OPENAPI_PATH}: use GET.`,
        });
        return;
      }
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('access-control-allow-origin', '*');
      res.writeHead(200, { 'content-type': 'application/json' });
      const info = requestInfo(req, '', deps.config.trustProxy);
      res.end(req.method === 'HEAD' ? undefined : openApiDocumentText(deps.version, origin(deps, info)));
      return;
    }
    const found = matchRestPath(pathname);
    if ('malformed' in found) {
      sendRestError(res, {
        status: 400,
        code: 'BAD_REQUEST',
        message: `${found.malformed}: not valid percent-encoding in the path`,
      });
      return;
    }
    if (found.matches.length === 0) {
      sendRestError(res, {
        status: 404,
        code: 'NOT_FOUND',
        message: `No REST route at this path. The routes are listed in ${OPENAPI_PATH} (reference: /docs/api).`,
      });
      return;
    }
    const match = found.matches.find((m) => m.route.method === req.method);
    if (!match) {
      const allowed = [...new Set(found.matches.map((m) => m.route.method))].join(', ');
      res.setHeader('allow', allowed);
      sendRestError(res, {
        status: 405,
        code: 'METHOD_NOT_SUPPORTED',
        message: `${req.method} is not supported here: use ${allowed}.`,
      });
      return;
    }
    const input = restInput(match.route, search, match.params);
    if (!input.ok) {
      sendRestError(res, { status: 400, code: 'BAD_REQUEST', message: input.message });
      return;
    }
    const route = match.route;
    const start = (readInput: () => unknown) => {
      const ctx = calls.createContext(req, res, lifetime.signal, true);
      const nextPage = (cursor: string) => {
        const next = new URLSearchParams(search);
        next.set('cursor', cursor);
        return `${origin(deps, ctx.req)}${pathname}?${next}`;
      };
      const call = { calls, budget, ctx, res, signal: lifetime.signal, nextPage };
      const type = route.method === 'GET' ? 'query' : 'mutation';
      answer(call, route.procedure, type, readInput).catch((err: unknown) => {
        deps.logger.error({ err }, 'REST handler failed');
        if (!res.headersSent)
          sendRestError(res, {
            status: 500,
            code: 'INTERNAL_SERVER_ERROR',
            message: 'Internal server error',
          });
        else res.destroy();
      });
    };
    if (!route.body) {
      start(() => input.input);
      return;
    }
    // A body route takes its input from the body alone: path and query carry none.
    if (Object.keys(input.input).length > 0) {
      const [field] = Object.keys(input.input);
      sendRestError(res, {
        status: 400,
        code: 'BAD_REQUEST',
        message: `${field}: send the input as the JSON body, not in the query`,
      });
      return;
    }
    if (!isJson(req.headers['content-type'])) {
      sendRestError(res, {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: `${req.method} ${route.path} takes a JSON body: send it with "content-type: application/json"${
          req.headers['content-type'] ? ` (not ${req.headers['content-type'].slice(0, 100)})` : ''
        }.`,
      });
      return;
    }
    // Read whole before the procedure runs, under /trpc's limit and 413: a mutation cut off runs nothing.
    void readBodyOrRefuse(req, res, LIMITS.maxBodyBytes, sendRestError).then((text) => {
      if (text === null) return;
      // Parsed where tRPC parses its body, after credentials: a bad key is told so before bad JSON,
      // and the SyntaxError gets tRPC's own wording (`input: not valid JSON (…); send a JSON body`).
      start(() => JSON.parse(text));
    });
  };
}

interface Call {
  calls: ProcedureCalls;
  budget: ByteBudget;
  ctx: Context;
  res: ServerResponse;
  signal: AbortSignal;
  /** The URL of the page after this one, for a `Link: <…>; rel="next"` header (RFC 8288). */
  nextPage(cursor: string): string;
}

const procedures = new Map<string, Promise<AnyProcedure>>();

/** The route table names procedures by path; each is looked up once per process. */
function procedureAt(path: string): Promise<AnyProcedure> {
  let found = procedures.get(path);
  if (!found) {
    found = getProcedureAtPath(appRouter, path).then((p) => {
      if (!p) throw new Error(`REST route names no procedure: ${path}`);
      return p as AnyProcedure;
    });
    procedures.set(path, found);
  }
  return found;
}

/** Calls one procedure as the tRPC path does and writes its answer, capped and budgeted like tRPC's. */
async function answer(call: Call, path: string, type: 'query' | 'mutation', readInput: () => unknown) {
  const { calls, budget, ctx, res, signal } = call;
  let status = 200;
  let text: string;
  let rawInput: unknown;
  try {
    const procedure = await procedureAt(path);
    const data = await procedure({
      path,
      getRawInput: async () => {
        try {
          rawInput = readInput();
        } catch (cause) {
          // As tRPC's own body reader: what cannot be parsed is BAD_REQUEST, with its cause.
          throw new TRPCError({ code: 'BAD_REQUEST', message: (cause as Error).message, cause });
        }
        return rawInput;
      },
      ctx,
      type,
      signal,
      batchIndex: 0,
    });
    text = JSON.stringify(data);
    const cursor = (data as { nextCursor?: unknown } | null)?.nextCursor;
    if (typeof cursor === 'string') res.setHeader('link', `<${call.nextPage(cursor)}>; rel="next"`);
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    calls.onError({ error, path, ctx });
    const shape = getErrorShape({
      config: appRouter._def._config,
      ctx,
      error,
      input: rawInput,
      path,
      type,
    });
    const data = shape.data as { code: string; httpStatus: number; reason?: string };
    status = data.httpStatus;
    text = JSON.stringify({
      error: { code: data.code, reason: data.reason ?? null, message: shape.message },
    });
  }
  if (signal.aborted || res.headersSent || res.writableEnded) return;
  const bytes = Buffer.byteLength(text);
  if (bytes > LIMITS.maxResponseBytes) {
    sendRestError(res, {
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: `The answer would exceed ${LIMITS.maxResponseBytes} bytes: ask for a smaller page.`,
      reason: 'response_too_large',
    });
    return;
  }
  if (!budget.tryReserve(bytes)) {
    res.setHeader('retry-after', '2');
    sendRestError(res, {
      status: 429,
      code: 'TOO_MANY_REQUESTS',
      message: 'The server is busy assembling other large answers. Retry in 2 s.',
      reason: 'server_busy',
    });
    return;
  }
  // The text stays referenced until the socket has taken it.
  res.once('close', () => budget.release(bytes));
  res.writeHead(status, { 'content-type': 'application/json' }).end(text);
}
