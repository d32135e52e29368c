import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { AppDeps } from '../deps';
import { appRouter } from '../routers/app-router';
import type { Context } from '../trpc/context';
import { createFastTrpcHandler } from './fast-trpc-handler';
import { requestInfo } from './request-info';

export type TrpcHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: URLSearchParams,
) => void;

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The only module that knows how tRPC meets node:http. `fast` (the default) answers plain JSON
 * calls without the Fetch API round trip and hands everything else to the stock adapter; `stock`
 * uses the stock adapter alone (KEYHOLE_TRPC_ADAPTER=stock, for comparison).
 */
export function createTrpcHandler(
  deps: AppDeps,
  kind: 'fast' | 'stock' = deps.config.trpcAdapter,
): TrpcHandler {
  const createContext = (req: IncomingMessage, res: ServerResponse): Context => ({
    deps,
    req: requestInfo(req, (req as IncomingMessage & { id?: string }).id ?? '', deps.config.trustProxy),
    res,
  });
  const onError = ({
    error,
    path,
    ctx,
  }: {
    error: { code: string; cause?: unknown };
    path?: string;
    ctx?: Context;
  }) => {
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
    maxBodySize: MAX_BODY_BYTES,
    allowMethodOverride: false,
    createContext: ({ req, res }) => createContext(req, res),
    onError,
  });
  if (kind === 'stock') return (req, res) => stock(req, res);
  const fast = createFastTrpcHandler<Context>({
    router: appRouter,
    maxBodySize: MAX_BODY_BYTES,
    createContext,
    onError,
    fallback: stock,
  });
  return (req, res, path, search) => {
    fast(req, res, path, search).catch((err: unknown) => {
      deps.logger.error({ err }, 'tRPC handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        '{"error":{"message":"Internal server error","code":-32603,"data":{"code":"INTERNAL_SERVER_ERROR","httpStatus":500}}}',
      );
    });
  };
}
