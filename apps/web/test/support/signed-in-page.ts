import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';
import { chromiumExecutable } from './browser-path';
import { CHROMIUM_ARGS } from './chromium';

export interface SignedInPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

/**
 * A desktop-sized page (1360 × 900, en-GB) of a fresh Chromium, signed in with `cookie` (as
 * sign-up over HTTP answered it), recording the page's uncaught errors into `pageErrors`.
 */
export async function openSignedInPage(
  url: string,
  cookie: string,
  pageErrors: string[],
  opts: { timezoneId?: string; acceptDownloads?: boolean; clipboard?: boolean } = {},
): Promise<SignedInPage> {
  const session = /^([^=]+)=([^;]+)$/.exec(cookie);
  expect(session).not.toBeNull();
  const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
  const context = await browser.newContext({
    viewport: { width: 1360, height: 900 },
    locale: 'en-GB',
    timezoneId: opts.timezoneId ?? 'UTC',
    ...(opts.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  if (opts.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  await context.addCookies([{ name: session![1]!, value: session![2]!, url, httpOnly: true }]);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return { browser, context, page };
}

/** After each failed test, a full-page screenshot `failed-<prefix>-<test name>.png` in `dir`. */
export function screenshotFailures(dir: string, prefix: string, page: () => Page | undefined): void {
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const slug = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await page()
      ?.screenshot({ path: path.join(dir, `failed-${prefix}-${slug}.png`), fullPage: true })
      .catch(() => {});
  });
}
