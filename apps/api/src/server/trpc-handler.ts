import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { AppDeps } from '../deps';
import { appRouter } from '../routers/app-router';
import type { Context } from '../trpc/context';
import { requestInfo } from './request-info';

/**
 * The only module that knows how tRPC meets node:http. The performance work may replace the stock
 * adapter here with a leaner one that speaks the same wire format.
 */
export function createTrpcHandler(deps: AppDeps) {
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: 1024 * 1024,
    allowMethodOverride: false,
    createContext: ({ req, res }): Context => ({
      deps,
      req: requestInfo(req, (req as IncomingMessage & { id?: string }).id ?? '', deps.config.trustProxy),
      res,
    }),
    onError: ({ error, path, ctx }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        deps.logger.error(
          { err: error.cause ?? error, path, requestId: ctx?.req.requestId },
          'procedure failed',
        );
      }
    },
  });
  return (req: IncomingMessage, res: ServerResponse) => handler(req, res);
}
