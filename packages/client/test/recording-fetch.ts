/**
 * A fetch that answers from a function and records every request: the client's behaviour seen at
 * its fetch, where it sends requests and with which headers. The server side is exercised against a
 * real running API in apps/server/test/client.
 */
interface RecordedRequest {
  url: URL;
  method: string;
  headers: Headers;
}

export function recordingFetch(
  respond: (url: URL) => unknown,
  status = 200,
  headers: Record<string, string> = {},
) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    requests.push({ url, method: init?.method ?? 'GET', headers: new Headers(init?.headers) });
    return new Response(JSON.stringify(respond(url)), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

/** The `input` of each call of a GET batch, by call index. */
export function batchInputs(url: URL): unknown[] {
  const raw = url.searchParams.get('input');
  const parsed = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const calls = url.pathname.replace(/^.*\/trpc\//, '').split(',');
  return calls.map((_, i) => parsed[String(i)]);
}

export const KEY = 'kh_abc:khs_def';
