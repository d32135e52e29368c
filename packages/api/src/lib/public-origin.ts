/**
 * The public origin a request was addressed to: `KEYHOLE_PUBLIC_URL`'s when set, else the scheme it
 * came over (`secure`: TLS at the socket, or `https` in the trusted hop's X-Forwarded-Proto, as
 * `forwardedClient` in trust-proxy.ts reads it) and its Host header. `null` without a Host.
 * The one rule for the Origin check of mutations (trpc/trpc.ts) and the URLs the REST face writes
 * (the OpenAPI document's server, `Link` headers).
 */
export function publicOrigin(publicUrl: string | undefined, req: { secure: boolean; host: string }): string;
export function publicOrigin(
  publicUrl: string | undefined,
  req: { secure: boolean; host: string | null },
): string | null;
export function publicOrigin(
  publicUrl: string | undefined,
  req: { secure: boolean; host: string | null },
): string | null {
  if (publicUrl) return new URL(publicUrl).origin;
  if (!req.host) return null;
  return `${req.secure ? 'https' : 'http'}://${req.host}`;
}
