import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/http-server';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * The web app's files: never a file outside the root (a sibling folder whose name starts like the
 * root's was served before), the page's security headers, compressed immutable assets.
 */

let app: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let dir: string;
const ASSET = `console.log(${JSON.stringify('x'.repeat(5000))});`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'keyhole-static-'));
  mkdirSync(path.join(dir, 'dist', 'assets'), { recursive: true });
  mkdirSync(path.join(dir, 'dist-secret'));
  writeFileSync(path.join(dir, 'dist', 'index.html'), '<!doctype html><title>Keyhole</title>');
  writeFileSync(path.join(dir, 'dist', 'assets', 'app-abc123.js'), ASSET);
  writeFileSync(path.join(dir, 'dist-secret', 'secret.txt'), 'TOP SECRET');
  app = await createTestApp();
  server = await startHttpServer(app.deps, { host: '127.0.0.1', port: 0, webRoot: path.join(dir, 'dist') });
});
afterAll(async () => {
  await server?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Raw paths (fetch would normalise `..` away before sending). */
function get(rawPath: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(server.url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: hostname, port, path: rawPath, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('static files', () => {
  it('never serves a file outside the web root, however the path is written', async () => {
    for (const p of [
      '/../dist-secret/secret.txt',
      '/%2e%2e/dist-secret/secret.txt',
      '/assets/../../dist-secret/secret.txt',
      '/..%2fdist-secret%2fsecret.txt',
      '/%2e%2e%5cdist-secret%5csecret.txt',
    ]) {
      const r = await get(p);
      expect(r.body.toString(), p).not.toContain('TOP SECRET');
    }
  });

  it('sends the page with its Content-Security-Policy and Referrer-Policy', async () => {
    const r = await get('/developer');
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(String(r.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(r.headers['referrer-policy']).toBe('same-origin');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('sends hashed assets compressed and cached immutably', async () => {
    const br = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.body.length).toBeLessThan(ASSET.length / 10);
    const gz = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(ASSET);
    const plain = await get('/assets/app-abc123.js', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(ASSET);
  });
});
