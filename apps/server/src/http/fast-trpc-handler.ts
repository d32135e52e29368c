import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ByteBudget } from '@keyhole/api/host';
import type { AnyTRPCRouter } from '@trpc/server';
import {
  type AnyProcedure,
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  TRPC_ERROR_CODES_BY_KEY,
  TRPCError,
  type TRPCResponse,
  transformTRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import { readBodyOrRefuse } from './read-body';

/**
 * A lean node:http path for the common tRPC requests — JSON queries by GET and JSON mutations by POST,
 * single or batched — that speaks tRPC 11's wire format byte for byte without the Fetch API machinery
 * (Request, Response, web streams) the stock adapter builds for every request. Anything else (streaming
 * and SSE links, form data, bodies of unknown length, HEAD, malformed paths) is handed to the stock
 * adapter untouched. `test/foundation/fast-handler.test.ts` sends one corpus to both and compares.
 */

export interface FastHandlerOptions<TContext> {
  router: AnyTRPCRouter;
  maxBodySize: number;
  /** One answer, all calls together; more is 413 `response_too_large`. */
  maxResponseBytes: number;
  /** Answers being assembled across the process; a request that does not fit is 429 `server_busy`. */
  budget: ByteBudget;
  createContext(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): TContext;
  onError(opts: { error: TRPCError; path: string | undefined; ctx: TContext | undefined }): void;
  /** The stock adapter, for requests this path does not take. */
  fallback(req: IncomingMessage, res: ServerResponse): void;
}

interface Call {
  path: string;
  procedure: AnyProcedure | null;
}

const EMPTY = Object.freeze(Object.create(null)) as Record<string, unknown>;

function decodePathOrNull(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

function refusal(code: 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_REQUESTS', message: string, reason?: string) {
  const status = code === 'PAYLOAD_TOO_LARGE' ? 413 : 429;
  const data = { code, httpStatus: status, ...(reason ? { reason } : {}) };
  return { status, body: JSON.stringify({ error: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data } }) };
}

export function createFastTrpcHandler<TContext>(opts: FastHandlerOptions<TContext>) {
  const { router } = opts;
  const config = router._def._config;

  return async (
    req: IncomingMessage,
    res: ServerResponse,
    rawPath: string,
    search: URLSearchParams,
    lifetime: AbortController,
  ) => {
    const signal = lifetime.signal;
    const method = req.method;
    const contentType = req.headers['content-type'];
    const isJson = contentType?.startsWith('application/json') ?? false;
    const contentLength = Number(req.headers['content-length']);
    const simple =
      (method === 'GET' && (contentType === undefined || isJson)) ||
      (method === 'POST' &&
        isJson &&
        Number.isInteger(contentLength) &&
        contentLength >= 0 &&
        contentLength <= opts.maxBodySize &&
        req.headers['transfer-encoding'] === undefined);
    const path = simple ? decodePathOrNull(rawPath) : null;
    if (
      path === null ||
      req.headers['trpc-accept'] !== undefined ||
      search.has('connectionParams') ||
      search.has('lastEventId')
    ) {
      opts.fallback(req, res);
      return;
    }
    const isBatch = search.get('batch') === '1';
    const paths = isBatch ? path.split(',') : [path];
    const calls: Call[] = await Promise.all(
      paths.map(async (p) => ({
        path: p,
        procedure: (await getProcedureAtPath(router, p)) as AnyProcedure | null,
      })),
    );
    const types = new Set(calls.map((c) => c.procedure?._def.type).filter(Boolean));
    if (types.size > 1 || types.has('subscription')) {
      // Mixed or subscription batches are errors the stock adapter words itself; they are rare.
      opts.fallback(req, res);
      return;
    }
    // A mutation runs only once its whole body is here: one cut off (or over the limit) runs nothing.
    let bodyText: string | null = null;
    if (method === 'POST') {
      bodyText = await readBodyOrRefuse(req, res, opts.maxBodySize);
      if (bodyText === null) return;
    }

    // Inputs are parsed lazily and once, exactly where tRPC parses them (inside each call's input step).
    let inputs: Record<string, unknown> | undefined;
    let inputsPromise: Promise<Record<string, unknown>> | undefined;
    const readInputs = () => {
      inputsPromise ??= (async () => {
        let raw: unknown;
        if (bodyText === null) {
          const q = search.get('input');
          if (q) raw = JSON.parse(q);
        } else {
          raw = JSON.parse(bodyText);
        }
        if (raw === undefined) return EMPTY;
        const acc: Record<string, unknown> = Object.create(null);
        if (!isBatch) {
          acc[0] = config.transformer.input.deserialize(raw);
        } else {
          if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
            throw new TRPCError({
              code: 'BAD_REQUEST',
              message: '"input" needs to be an object when doing a batch call',
            });
          }
          for (let i = 0; i < paths.length; i++) {
            const v = (raw as Record<string, unknown>)[i];
            if (v !== undefined) acc[i] = config.transformer.input.deserialize(v);
          }
        }
        inputs = acc;
        return acc;
      })().catch((cause: unknown) => {
        // As tRPC's own input reader: anything but a TRPCError becomes BAD_REQUEST with its message.
        if (cause instanceof TRPCError) throw cause;
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: cause instanceof Error ? cause.message : 'Invalid input',
          cause,
        });
      });
      return inputsPromise;
    };

    // Each call's answer is serialised as soon as it settles and its objects dropped, so a request
    // holds text, not object graphs; the text counts against the answer's cap and the process budget.
    // An answer over either ends the request's lifetime: its other calls stop, its uncommitted
    // transactions roll back, and it is answered with the refusal alone.
    let reserved = 0;
    let total = 0;
    let overflow: 'too_large' | 'busy' | null = null;
    const account = (text: string) => {
      if (overflow) return;
      const bytes = Buffer.byteLength(text);
      total += bytes;
      if (total > opts.maxResponseBytes) overflow = 'too_large';
      else if (opts.budget.tryReserve(bytes)) reserved += bytes;
      else overflow = 'busy';
      if (overflow) lifetime.abort(new Error(overflow));
    };

    const ctx = opts.createContext(req, res, signal);
    const statuses: number[] = new Array(calls.length);
    let serverBusy: string | null = null;
    try {
      const texts = await Promise.all(
        calls.map(async (call, index): Promise<string> => {
          let response: TRPCResponse;
          try {
            const proc = call.procedure;
            if (!proc)
              throw new TRPCError({
                code: 'NOT_FOUND',
                message: `No procedure found on path "${call.path}"`,
              });
            const type = proc._def.type;
            if ((type === 'query' && method !== 'GET') || (type === 'mutation' && method !== 'POST')) {
              throw new TRPCError({
                code: 'METHOD_NOT_SUPPORTED',
                message: `Unsupported ${method}-request to ${type} procedure at path "${call.path}"`,
              });
            }
            const data = await proc({
              path: call.path,
              getRawInput: async () => (await readInputs())[index],
              ctx,
              type,
              signal,
              batchIndex: index,
            });
            response = { result: { data } } as TRPCResponse;
          } catch (cause) {
            const error = getTRPCErrorFromUnknown(cause);
            opts.onError({ error, path: call.path, ctx });
            response = {
              error: getErrorShape({
                config,
                ctx,
                error,
                input: inputs?.[index],
                path: call.path,
                type: call.procedure?._def.type ?? 'unknown',
              }),
            } as TRPCResponse;
          }
          statuses[index] = getHTTPStatusCode(response);
          const reason = (response as { error?: { data?: { reason?: string } } }).error?.data?.reason;
          if (reason === 'server_busy')
            serverBusy ??= (response as { error: { message: string } }).error.message;
          const text = JSON.stringify(transformTRPCResponse(config, response));
          account(text);
          return overflow ? '' : text;
        }),
      );
      if ((signal.aborted && overflow === null) || res.headersSent || res.writableEnded) return;
      if (overflow === 'too_large') {
        const r = refusal(
          'PAYLOAD_TOO_LARGE',
          `The answer would exceed ${opts.maxResponseBytes} bytes: ask for smaller pages or fewer calls per batch.`,
          'response_too_large',
        );
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
        return;
      }
      if (overflow === 'busy' || serverBusy !== null) {
        const r = refusal(
          'TOO_MANY_REQUESTS',
          serverBusy ?? 'The server is busy assembling other large answers. Retry in 2 s.',
          'server_busy',
        );
        res.setHeader('retry-after', res.getHeader('retry-after') ?? '2');
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
        return;
      }
      const distinct = new Set(statuses);
      res.statusCode = distinct.size === 1 ? statuses[0]! : 207;
      res.setHeader('vary', 'trpc-accept, accept');
      res.setHeader('content-type', 'application/json');
      res.end(isBatch ? `[${texts.join(',')}]` : texts[0]!);
    } finally {
      if (reserved > 0) {
        const held = reserved;
        // The text stays referenced until the socket has taken it.
        if (res.writableFinished || res.destroyed) opts.budget.release(held);
        else res.once('close', () => opts.budget.release(held));
      }
    }
  };
}
