/**
 * tRPC over plain HTTP for tests, the way curl, Zapier and the bench talk to the API (no tRPC
 * client involved): a query is a GET with `?input=` URL-encoded JSON, a mutation a POST of JSON.
 */

export interface TrpcErrorBody {
  message: string;
  code: number;
  data: { code: string; httpStatus: number; path?: string; reason?: string };
}

export interface TrpcEnvelope<T = unknown> {
  result?: { data: T };
  error?: TrpcErrorBody;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  /** The body as sent. */
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  /** The parsed body as a tRPC envelope (`{}` when it is not JSON). */
  body: TrpcEnvelope<T>;
  /** Every `set-cookie` header of the answer. */
  setCookies: string[];
}

export interface HttpCallOptions {
  authorization?: string;
  cookie?: string;
  /** Sent as `x-forwarded-for` (the server must trust a proxy hop to use it). */
  ip?: string;
  origin?: string;
  /** Any further headers; they win over the ones above. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The fetch to use, when the global one may be patched by the code under test. */
  fetch?: typeof globalThis.fetch;
}

export interface HttpRequest extends HttpCallOptions {
  method?: string;
  /** Path and query after `/trpc/`, e.g. `whoami` or `whoami,whoami?batch=1`. */
  path: string;
  body?: string | Blob;
}

/** `procedure` with its input as the `?input=` a query sends; the procedure alone without input. */
export function queryPath(procedure: string, input?: unknown): string {
  return input === undefined ? procedure : `${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;
}

/** The full URL of a query. */
export function queryUrl(baseUrl: string, procedure: string, input?: unknown): string {
  return `${baseUrl}/trpc/${queryPath(procedure, input)}`;
}

function headersOf(opts: HttpCallOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (opts.ip !== undefined) headers['x-forwarded-for'] = opts.ip;
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.origin) headers.origin = opts.origin;
  return { ...headers, ...opts.headers };
}

/** One request to `/trpc/…`, as given; the answer read whole. */
export function trpcRequest<T = unknown>(baseUrl: string, req: HttpRequest): Promise<HttpResult<T>> {
  return httpRequest<T>(baseUrl, { ...req, path: `/trpc/${req.path}` });
}

/** One request to any path of the server (`req.path` from the root: `/v1/…`, `/docs/api`); the answer read whole. */
export async function httpRequest<T = unknown>(baseUrl: string, req: HttpRequest): Promise<HttpResult<T>> {
  const doFetch = req.fetch ?? globalThis.fetch;
  const res = await doFetch(`${baseUrl}${req.path}`, {
    method: req.method ?? 'GET',
    headers: headersOf(req),
    ...(req.body === undefined ? {} : { body: req.body }),
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    json,
    body: (json ?? {}) as TrpcEnvelope<T>,
    setCookies: res.headers.getSetCookie(),
  };
}

/** A query: GET with the input URL-encoded. */
export function httpQuery<T = unknown>(
  baseUrl: string,
  procedure: string,
  input?: unknown,
  opts: HttpCallOptions = {},
): Promise<HttpResult<T>> {
  return trpcRequest<T>(baseUrl, { ...opts, path: queryPath(procedure, input) });
}

/** A mutation: POST of the input as JSON (no body when the input is undefined). */
export function httpMutation<T = unknown>(
  baseUrl: string,
  procedure: string,
  input?: unknown,
  opts: HttpCallOptions = {},
): Promise<HttpResult<T>> {
  return trpcRequest<T>(baseUrl, {
    ...opts,
    method: 'POST',
    path: procedure,
    headers: { 'content-type': 'application/json', ...opts.headers },
    ...(input === undefined ? {} : { body: JSON.stringify(input) }),
  });
}

/** The `name=value` pairs of the answer's cookies, ready for a `cookie` header. */
export function cookieHeader(result: Pick<HttpResult, 'setCookies'>): string {
  return result.setCookies.map((c) => c.split(';')[0]!).join('; ');
}
