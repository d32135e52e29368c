import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/** The page's own policy (SPEC §9): nothing from elsewhere, never framed. */
const WEB_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; base-uri 'self'; object-src 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
} as const;

interface Encoded {
  raw: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

/** Picks the best encoding the client accepts (`q=0` refuses one). */
export function pickEncoding(accept: string | undefined, file: Encoded): 'br' | 'gzip' | null {
  if (!accept) return null;
  const offered = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    offered.set(name.trim(), q ? Number(q.slice(2)) : 1);
  }
  const ok = (name: string) => (offered.get(name) ?? offered.get('*') ?? 0) > 0;
  if (file.br && ok('br')) return 'br';
  if (file.gzip && ok('gzip')) return 'gzip';
  return null;
}

/**
 * Serves the built web app; any other page URL gets index.html so the client router can take it.
 * Hashed assets (`/assets/…`) are cached immutably and sent compressed (brotli or gzip, made once per
 * file and kept); index.html is revalidated every time. Files outside the root are never served, even
 * through a sibling folder that shares its name's prefix (`dist` and `dist-secret`).
 */
export function createStaticHandler(root: string) {
  const rootDir = path.resolve(root);
  const index = path.join(rootDir, 'index.html');
  const cache = new Map<string, Encoded>();
  const load = (file: string): Encoded => {
    const hit = cache.get(file);
    if (hit) return hit;
    const raw = readFileSync(file);
    const entry: Encoded = { raw };
    if (COMPRESSIBLE.has(path.extname(file)) && raw.length > 512) {
      entry.br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } });
      entry.gzip = gzipSync(raw, { level: 9 });
    }
    // index.html changes with every build; assets never do (their names are their hashes).
    if (file !== index) cache.set(file, entry);
    return entry;
  };
  return (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!existsSync(index)) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The web app is not built yet: run `pnpm build` (pnpm start does it for you).\n');
      return;
    }
    let file = path.resolve(rootDir, `.${path.posix.normalize(`/${decodeURIComponentSafe(pathname)}`)}`);
    const inside = file.startsWith(rootDir + path.sep);
    if (!inside || !existsSync(file) || !statSync(file).isFile()) file = index;
    const ext = path.extname(file);
    const immutable = file !== index && pathname.startsWith('/assets/');
    const body = load(file);
    const encoding = pickEncoding(req.headers['accept-encoding'], body);
    const payload = encoding === 'br' ? body.br! : encoding === 'gzip' ? body.gzip! : body.raw;
    res.writeHead(200, {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'content-length': String(payload.length),
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...(body.br ? { vary: 'accept-encoding' } : {}),
      ...(encoding ? { 'content-encoding': encoding } : {}),
      ...WEB_SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : payload);
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
