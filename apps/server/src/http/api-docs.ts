import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { pickEncoding } from './static-files';

/**
 * `/docs/api`: the REST reference, rendered in the browser by Redoc (installed from npm, served from
 * here: no CDN, works offline) from `/v1/openapi.json`. The page's policy allows only what Redoc
 * needs beyond the web app's: inline styles (styled-components), `data:` images and a `blob:`
 * worker (its search index).
 */
const DOCS_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
} as const;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyhole REST API reference</title>
<meta name="description" content="The Keyhole REST API (/v1), rendered from its OpenAPI document.">
<style>body{margin:0}noscript p{font:16px/1.5 system-ui,sans-serif;margin:2rem}</style>
</head>
<body>
<noscript><p>This reference needs JavaScript. The document itself is at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p></noscript>
<div id="reference"></div>
<script src="/docs/api/redoc.standalone.js"></script>
<script src="/docs/api/init.js"></script>
</body>
</html>
`;

const INIT = `Redoc.init('/v1/openapi.json', {
  expandResponses: '200',
  hideHostname: false,
  jsonSampleExpandLevel: 3,
  theme: { colors: { primary: { main: '#3b5bdb' } }, typography: { fontFamily: 'system-ui, sans-serif', headings: { fontFamily: 'system-ui, sans-serif' } } },
}, document.getElementById('reference'));
`;

const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

// A plain mark in place of Redoc's CDN logo (the attribution link stays).
const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16"><circle cx="8" cy="8" r="7" fill="#d63f3f"/></svg>';

interface Asset {
  type: string;
  raw: Buffer;
  br: Buffer;
  gzip: Buffer;
}

function asset(type: string, raw: Buffer): Asset {
  return { type, raw, br: brotliCompressSync(raw), gzip: gzipSync(raw) };
}

export function createApiDocsHandler() {
  const assets = new Map<string, () => Asset>();
  const once = (make: () => Asset) => {
    let made: Asset | undefined;
    return () => {
      made ??= make();
      return made;
    };
  };
  assets.set(
    '/docs/api',
    once(() => asset('text/html; charset=utf-8', Buffer.from(PAGE))),
  );
  assets.set(
    '/docs/api/redocly-logo.svg',
    once(() => asset('image/svg+xml', Buffer.from(LOGO))),
  );
  assets.set(
    '/docs/api/init.js',
    once(() => asset('text/javascript; charset=utf-8', Buffer.from(INIT))),
  );
  assets.set(
    '/docs/api/redoc.standalone.js',
    once(() => {
      const file = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');
      // Its attribution logo is the one thing the bundle fetches from elsewhere: served from here.
      const text = readFileSync(file, 'utf8').replaceAll(REDOC_CDN_LOGO, '/docs/api/redocly-logo.svg');
      return asset('text/javascript; charset=utf-8', Buffer.from(text));
    }),
  );
  return (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    const make = assets.get(pathname === '/docs/api/' ? '/docs/api' : pathname);
    if (!make) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = make();
    const encoding = pickEncoding(req.headers['accept-encoding'], file);
    const body = encoding ? file[encoding] : file.raw;
    res.writeHead(200, {
      ...DOCS_SECURITY_HEADERS,
      'content-type': file.type,
      'content-length': body.length,
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
      ...(encoding ? { 'content-encoding': encoding } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
