import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps, Context } from '@keyhole/api/host';
import {
  appRouter,
  ByteBudget,
  databaseUnavailableLog,
  depsForRequest,
  LIMITS,
  RequestAbandonedError,
} from '@keyhole/api/host';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createFastTrpcHandler } from './fast-trpc-handler';
import { readBodyOrRefuse } from './read-body';
import { requestInfo } from './request-info';

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
  kind: 'fast' | 'stock' = deps.config.trpcAdapter,
): TrpcHandler {
  // The stock adapter builds its context from (req, res) alone: the request's signal rides along here.
  const signals = new WeakMap<IncomingMessage, AbortSignal>();
  const createContext = (req: IncomingMessage, res: ServerResponse, given?: AbortSignal): Context => {
    const signal = given ?? signals.get(req);
    return {
      deps: depsForRequest(deps, signal),
      req: requestInfo(req, (req as IncomingMessage & { id?: string }).id ?? '', deps.config.trustProxy),
      res,
      signal,
    };
  };
  const logUnavailable = databaseUnavailableLog(deps.logger);
  const onError = ({
    error,
    path,
    ctx,
  }: {
    error: { code: string; cause?: unknown };
    path?: string;
    ctx?: Context;
  }) => {
    if (error.cause instanceof RequestAbandonedError) {
      deps.logger.info(
        { path, requestId: ctx?.req.requestId },
        'request abandoned, its transaction rolled back',
      );
      return;
    }
    if (error.code === 'SERVICE_UNAVAILABLE') {
      logUnavailable(error.cause, path, ctx?.req.requestId);
      return;
    }
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      deps.logger.error(
        { err: error.cause ?? error, path, requestId: ctx?.req.requestId },
        'procedure failed',
      );
    }
  };
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
    budget: new ByteBudget(LIMITS.responseBudgetBytes),
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
