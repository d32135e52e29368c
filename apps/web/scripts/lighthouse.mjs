/**
 * Lighthouse 12 (mobile, its default form factor and throttling) on the sign-in page and on the
 * Developer page signed in as the demo admin, against the real server on a fresh demo database.
 * Prints performance, accessibility, best-practices and SEO and fails below the targets (95 and
 * 100 / 100 / 100). Run by hand: `pnpm --filter @keyhole/web lighthouse` (CHROMIUM_PATH picks the
 * browser). Lighthouse has no telemetry of its own; Chromium is kept to the loopback by its flags.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { obtainChromium } from '../test/support/browser.ts';
import buildWeb from '../test/support/build-web.ts';
import { CHROMIUM_ARGS } from '../test/support/chromium.ts';
import { DEMO, startDemoServer } from '../test/support/demo-server.ts';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const TARGETS = { performance: 95, accessibility: 100, 'best-practices': 100, seo: 100 };

await buildWeb();
const server = await startDemoServer();
const userDataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-lighthouse-'));
let failed = false;
let chrome;
try {
  const session = await server.signIn(DEMO.admin);
  chrome = await chromeLauncher.launch({
    chromePath: (await obtainChromium({ log: (line) => console.error(line) })).executablePath,
    chromeFlags: ['--headless=new', ...CHROMIUM_ARGS],
    userDataDir,
    logLevel: 'silent',
  });
  const pages = [
    { label: 'Sign in', url: `${server.url}/signin`, headers: {} },
    {
      label: 'Developer (signed in)',
      url: `${server.url}/settings/organization/developer`,
      headers: { Cookie: `${session.name}=${session.value}` },
    },
  ];
  for (const page of pages) {
    const result = await lighthouse(page.url, {
      port: chrome.port,
      logLevel: 'error',
      output: 'json',
      onlyCategories: CATEGORIES,
      extraHeaders: page.headers,
    });
    if (!result) throw new Error(`Lighthouse returned nothing for ${page.url}`);
    const { lhr } = result;
    if (lhr.runtimeError) throw new Error(`${page.label}: ${lhr.runtimeError.message}`);
    if (new URL(lhr.finalDisplayedUrl).pathname !== new URL(page.url).pathname) {
      throw new Error(`${page.label}: ended at ${lhr.finalDisplayedUrl}, not ${page.url}`);
    }
    const scores = Object.fromEntries(
      CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]),
    );
    console.info(`${page.label}: ${CATEGORIES.map((c) => `${c} ${scores[c]}`).join(', ')}`);
    for (const c of CATEGORIES) {
      if (scores[c] >= TARGETS[c]) continue;
      failed = true;
      // What cost the points: every scored audit of the category that did not pass.
      for (const ref of lhr.categories[c].auditRefs) {
        const audit = lhr.audits[ref.id];
        if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
          console.info(`  ${c}: ${audit.id} ${audit.score} ${audit.displayValue ?? ''} — ${audit.title}`);
        }
      }
    }
    const m = lhr.audits;
    console.info(
      `  FCP ${m['first-contentful-paint'].displayValue}, LCP ${m['largest-contentful-paint'].displayValue}, TBT ${m['total-blocking-time'].displayValue}, CLS ${m['cumulative-layout-shift'].displayValue}`,
    );
  }
} finally {
  await chrome?.kill();
  await server.stop();
  rmSync(userDataDir, { recursive: true, force: true });
}
if (failed) {
  console.error('Below target: performance ≥ 95, accessibility, best-practices and SEO 100.');
  process.exit(1);
}
