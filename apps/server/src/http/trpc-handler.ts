import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps, Context } from '@keyhole/api/host';
import { appRouter, type ByteBudget, LIMITS } from '@keyhole/api/host';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createFastTrpcHandler } from './fast-trpc-handler';
import type { ProcedureCalls } from './procedure-calls';
import { readBodyOrRefuse } from './read-body';

export type TrpcHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: URLSearchParams,
  /** The request's lifetime (http-server.ts `requestLifetime`): aborted when it is over. */
  lifetime: AbortController,
) => void;

/**
 * The only module that knows how tRPC meets node:http. `fast` (the default) answers plain JSON
 * calls without the Fetch API round trip and hands everything else to the stock adapter; `stock`
 * uses the stock adapter alone (KEYHOLE_TRPC_ADAPTER=stock, for comparison).
 */
export function createTrpcHandler(
  deps: AppDeps,
  calls: ProcedureCalls,
  budget: ByteBudget,
  kind: 'fast' | 'stock' = deps.config.trpcAdapter,
): TrpcHandler {
  // The stock adapter builds its context from (req, res) alone: the request's signal rides along here.
  const signals = new WeakMap<IncomingMessage, AbortSignal>();
  const createContext = (req: IncomingMessage, res: ServerResponse, given?: AbortSignal): Context =>
    calls.createContext(req, res, given ?? signals.get(req));
  const onError = calls.onError;
  const stock = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: LIMITS.maxBodyBytes,
    allowMethodOverride: false,
    createContext: ({ req, res }) => createContext(req, res),
    onError,
  });
  // The stock adapter's own body reader destroys the socket when a body passes the limit (no 413
  // reaches the client). A declared length over the limit is refused before this (http-server.ts);
  // bodies of undeclared length (chunked) are read here first, under the same limit and answer as
  // the fast path.
  const stockReadingBody = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.headers['transfer-encoding'] === undefined) {
      stock(req, res);
      return;
    }
    void readBodyOrRefuse(req, res, LIMITS.maxBodyBytes).then((body) => {
      if (body === null) return;
      (req as IncomingMessage & { body?: string }).body = body;
      stock(req, res);
    });
  };
  const stockWithSignal: TrpcHandler = (req, res, _path, _search, lifetime) => {
    signals.set(req, lifetime.signal);
    stockReadingBody(req, res);
  };
  if (kind === 'stock') return stockWithSignal;
  const fast = createFastTrpcHandler<Context>({
    router: appRouter,
    maxBodySize: LIMITS.maxBodyBytes,
    maxResponseBytes: LIMITS.maxResponseBytes,
    budget,
    createContext,
    onError,
    fallback: stockReadingBody,
  });
  return (req, res, path, search, lifetime) => {
    signals.set(req, lifetime.signal);
    fast(req, res, path, search, lifetime).catch((err: unknown) => {
      deps.logger.error({ err }, 'tRPC handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        '{"error":{"message":"Internal server error","code":-32603,"data":{"code":"INTERNAL_SERVER_ERROR","httpStatus":500}}}',
      );
    });
  };
}
