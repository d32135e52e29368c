/** Plain-fetch tRPC calls, the way curl and Zapier talk to the API (no tRPC client involved). */

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: {
    result?: { data: T };
    error?: { message: string; data: { code: string; httpStatus: number; reason?: string } };
  };
}

export async function httpQuery<T = unknown>(
  baseUrl: string,
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await fetch(`${baseUrl}/trpc/${path}${qs}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as HttpResult<T>['body'] };
}

export async function httpMutation<T = unknown>(
  baseUrl: string,
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const res = await fetch(`${baseUrl}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as HttpResult<T>['body'] };
}
