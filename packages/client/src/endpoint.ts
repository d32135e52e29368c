/** Where the API lives under the given base URL: its `/trpc` path, without a trailing slash. */
export function trpcEndpoint(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`createKeyholeClient: url is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError('createKeyholeClient: url must start with http:// or https://');
  }
  if (parsed.search || parsed.hash) {
    // A query string is where keys must never go, and tRPC adds its own.
    throw new TypeError('createKeyholeClient: url must not carry a query string or fragment');
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = path.endsWith('/trpc') ? path : `${path}/trpc`;
  return parsed.toString().replace(/\/+$/, '');
}
