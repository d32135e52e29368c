import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable } from './support/browser-path';
import { CHROMIUM_ARGS } from './support/chromium';
import { type KeyholeServer, startServer } from './support/keyhole-server';

/**
 * `/docs/api` in a real browser: the reference renders every REST operation from /v1/openapi.json
 * under the page's own CSP, with every request to the server itself (no CDN, no fonts from
 * elsewhere) and not one policy violation or script error.
 */

let dataDir: string;
let server: KeyholeServer;
let browser: Browser;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-api-docs-'));
  server = await startServer(dataDir, 0);
  browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the API reference', () => {
  it('renders every operation, offline-ready and inside its CSP', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['data:', 'blob:'].includes(url.protocol) && url.origin !== server.url)
        foreign.push(request.url());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const response = await page.goto(`${server.url}/docs/api`);
    expect(response?.status()).toBe(200);
    for (const summary of [
      'List meetings',
      'Get a meeting',
      "Get a meeting's transcript",
      'The key making the call',
    ]) {
      await page.getByRole('heading', { name: summary }).first().waitFor({ timeout: 20_000 });
    }
    await expect(page.title()).resolves.toBe('Keyhole REST API reference');
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
