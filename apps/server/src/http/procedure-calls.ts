import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps, Context } from '@keyhole/api/host';
import { databaseUnavailableLog, depsForRequest, RequestAbandonedError } from '@keyhole/api/host';
import { requestInfo } from './request-info';

export interface ProcedureCalls {
  /** The context of one HTTP request's procedure calls; `keysOnly` for the REST face (SPEC §10). */
  createContext(
    req: IncomingMessage,
    res: ServerResponse,
    signal: AbortSignal | undefined,
    keysOnly?: boolean,
  ): Context;
  /** What a failed call leaves in the log (never its input: it may hold a secret). */
  onError(opts: { error: { code: string; cause?: unknown }; path?: string; ctx?: Context }): void;
}

/** How every face (tRPC, REST) turns an HTTP request into procedure calls, and logs their failures. */
export function procedureCalls(deps: AppDeps): ProcedureCalls {
  const logUnavailable = databaseUnavailableLog(deps.logger);
  return {
    createContext(req, res, signal, keysOnly = false) {
      const info = requestInfo(
        req,
        (req as IncomingMessage & { id?: string }).id ?? '',
        deps.config.trustProxy,
      );
      return {
        deps: depsForRequest(deps, signal),
        req: keysOnly ? { ...info, cookies: {}, keysOnly } : info,
        res,
        signal,
      };
    },
    onError({ error, path, ctx }) {
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
    },
  };
}
