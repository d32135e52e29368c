import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyTRPCRouter } from '@trpc/server';
import {
  type AnyProcedure,
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  TRPCError,
  type TRPCResponse,
  transformTRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';

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
  createContext(req: IncomingMessage, res: ServerResponse): TContext;
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

function readBody(req: IncomingMessage, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= length) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createFastTrpcHandler<TContext>(opts: FastHandlerOptions<TContext>) {
  const { router } = opts;
  const config = router._def._config;

  return async (req: IncomingMessage, res: ServerResponse, rawPath: string, search: URLSearchParams) => {
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

    // Inputs are parsed lazily and once, exactly where tRPC parses them (inside each call's input step).
    const bodyPromise = method === 'POST' ? readBody(req, opts.maxBodySize) : null;
    let inputs: Record<string, unknown> | undefined;
    let inputsPromise: Promise<Record<string, unknown>> | undefined;
    const readInputs = () => {
      inputsPromise ??= (async () => {
        let raw: unknown;
        if (bodyPromise === null) {
          const q = search.get('input');
          if (q) raw = JSON.parse(q);
        } else {
          raw = JSON.parse(await bodyPromise);
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

    const ctx = opts.createContext(req, res);
    const results = await Promise.all(
      calls.map(async (call, index): Promise<TRPCResponse> => {
        try {
          const proc = call.procedure;
          if (!proc)
            throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${call.path}"` });
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
            signal: undefined,
            batchIndex: index,
          });
          return { result: { data } } as TRPCResponse;
        } catch (cause) {
          const error = getTRPCErrorFromUnknown(cause);
          opts.onError({ error, path: call.path, ctx });
          return {
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
      }),
    );
    // A request body nobody asked for must still be drained before answering on a keep-alive socket.
    if (bodyPromise) await bodyPromise.catch(() => undefined);
    const json = isBatch ? results : results[0]!;
    res.statusCode = getHTTPStatusCode(json);
    res.setHeader('vary', 'trpc-accept, accept');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(transformTRPCResponse(config, json)));
  };
}
