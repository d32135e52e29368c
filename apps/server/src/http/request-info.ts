import type { IncomingMessage } from 'node:http';
import type { RequestInfo } from '@keyhole/api/host';
import { forwardedClient, type TrustProxy } from '@keyhole/api/host';
import { idempotencyKeyHeader } from './idempotency-header';

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!(name in out)) {
      try {
        out[name] = decodeURIComponent(value);
      } catch {
        out[name] = value;
      }
    }
  }
  return out;
}

export function requestInfo(req: IncomingMessage, requestId: string, trustProxy: TrustProxy): RequestInfo {
  const client = forwardedClient(
    trustProxy,
    req.socket.remoteAddress,
    req.headers['x-forwarded-for'],
    req.headers['x-forwarded-proto'],
  );
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  return {
    requestId,
    ip: client.ip,
    userAgent: req.headers['user-agent'] ?? null,
    origin: req.headers.origin ?? null,
    host: req.headers.host ?? null,
    secure: encrypted || client.proto === 'https',
    authorization: req.headers.authorization ?? null,
    idempotencyKey: idempotencyKeyHeader(req),
    cookies: parseCookies(req.headers.cookie),
  };
}
