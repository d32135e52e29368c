import type { IncomingMessage } from 'node:http';
import type { RequestInfo } from '../trpc/context';

export function parseCookies(header: string | undefined): Record<string, string> {
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

export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

export function requestInfo(req: IncomingMessage, requestId: string, trustProxy: boolean): RequestInfo {
  const proto = trustProxy ? req.headers['x-forwarded-proto'] : undefined;
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  return {
    requestId,
    ip: clientIp(req, trustProxy),
    userAgent: req.headers['user-agent'] ?? null,
    origin: req.headers.origin ?? null,
    host: req.headers.host ?? null,
    secure: encrypted || proto === 'https',
    authorization: req.headers.authorization ?? null,
    cookies: parseCookies(req.headers.cookie),
  };
}
