import { randomUUID } from 'node:crypto';
import type { Caller } from '../auth/caller';
import type { AppDeps } from '../deps';
import { depsForRequest } from '../lib/request-scope';
import type { IdempotentRequest } from '../services/idempotency/idempotent-request';

/** What a procedure knows of the HTTP request; tests fill in only what they need. */
export interface RequestInfo {
  requestId: string;
  ip: string;
  userAgent: string | null;
  /** The Origin header, when the browser sent one. */
  origin: string | null;
  /** The Host header, for the same-origin check when KEYHOLE_PUBLIC_URL is unset. */
  host: string | null;
  /** True when the request came over HTTPS (cookies get `Secure`). */
  secure: boolean;
  authorization: string | null;
  /** The `Idempotency-Key` header, already checked (one header, 1–255 printable ASCII, no batch). */
  idempotencyKey: string | null;
  cookies: Record<string, string>;
  /**
   * The REST face (SPEC §10): only an API key may call; the cookie is not read, and a request
   * without an Authorization header is UNAUTHORIZED `key_required`.
   */
  keysOnly?: boolean;
}

/** Where procedures put response headers (cookies, rate-limit figures). */
export interface ResponseSink {
  setHeader(name: string, value: string | string[]): void;
  appendHeader(name: string, value: string): void;
}

export interface Context {
  deps: AppDeps;
  req: RequestInfo;
  res: ResponseSink;
  /** Resolved once per HTTP request and shared by every call of a batch. */
  callerPromise?: Promise<Caller>;
  /** Aborted when the client leaves or the request's deadline passes (HTTP only). */
  signal?: AbortSignal;
  /** Set by the procedure builders for a mutation sent with an `Idempotency-Key` (trpc/idempotency.ts). */
  idempotency?: IdempotentRequest | null;
  /** The request's large reads run one after another (`trpc/large-read.ts`). */
  largeReads?: Promise<unknown>;
}

export class HeaderBag implements ResponseSink {
  readonly headers = new Map<string, string[]>();
  setHeader(name: string, value: string | string[]): void {
    this.headers.set(name.toLowerCase(), Array.isArray(value) ? value : [value]);
  }
  appendHeader(name: string, value: string): void {
    const key = name.toLowerCase();
    this.headers.set(key, [...(this.headers.get(key) ?? []), value]);
  }
  get(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.at(-1);
  }
}

/** The context without HTTP: procedure tests call `appRouter.createCaller(createContextInner(...))`. */
export function createContextInner(opts: {
  deps: AppDeps;
  req?: Partial<RequestInfo>;
  res?: ResponseSink;
  /** Stands for the HTTP request's signal: aborted, the call's transactions roll back. */
  signal?: AbortSignal;
}): Context {
  return {
    deps: depsForRequest(opts.deps, opts.signal),
    signal: opts.signal,
    req: {
      requestId: randomUUID(),
      ip: '127.0.0.1',
      userAgent: null,
      origin: null,
      host: null,
      secure: false,
      authorization: null,
      idempotencyKey: null,
      cookies: {},
      ...opts.req,
    },
    res: opts.res ?? new HeaderBag(),
  };
}
