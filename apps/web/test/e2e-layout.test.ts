import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpMutation } from '@keyhole/testing/http';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe';
import { chromiumExecutable } from './support/browser-path';
import { CHROMIUM_ARGS } from './support/chromium';
import { DEMO, type DemoServer, startDemoServer } from './support/demo-server';
import { createSecretScanner, type SecretScanner } from './support/secret-scanner';
import { ui } from './support/ui-expect';

/**
 * Every page and every dialog we can open, as the demo admin, a demo member and a visitor, at 320, 390
 * and 1280 px and at 200 % zoom, in a real Chromium against the real server: nothing wider than the
 * viewport (WCAG 2.2 reflow), no axe-core violation in the light and the dark colour scheme, and a
 * screenshot of each (test/screenshots/layout/, gitignored) to look at.
 *
 * 200 % zoom is a 640 × 400 viewport at deviceScaleFactor 2: zooming a 1280 × 800 window to 200 %
 * gives the page exactly that, a 640 CSS px layout viewport (media queries, vw, wrapping) drawn
 * with two device pixels per CSS pixel; the screenshots come out at the window's 1280 px.
 */

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/layout/', import.meta.url));

const VIEWPORTS = [
  { name: '320', width: 320, height: 640, deviceScaleFactor: 1 },
  { name: '390', width: 390, height: 844, deviceScaleFactor: 1 },
  { name: '1280', width: 1280, height: 800, deviceScaleFactor: 1 },
  { name: 'zoom200', width: 640, height: 400, deviceScaleFactor: 2 },
] as const;
type Viewport = (typeof VIEWPORTS)[number];
/** Below this width the navigation folds behind the Menu button (styles.css). */
const NARROW = 820;

let server: DemoServer;
let scannerDir: string;
let browser: Browser;
const cookies: Record<'admin' | 'member', { name: string; value: string }> = {} as never;
const timings: Record<string, number> = {};

/** A long, real-looking scanner URL: the flagged row must wrap it, not widen, at 320 px. */
const LEAK_URL =
  'https://github.com/acme-corp/zapier-integrations/blob/8c1f2a9d4e7b6c3a/config/production/settings.py#L42';

/**
 * SPEC §12's states in the demo org, through the real endpoint: one key kept and flagged (notify)
 * and one revoked for a leak (listed in `revokedForLeak`). The org ends on the default, revoke.
 */
async function leakedKeyStates(scanner: SecretScanner): Promise<void> {
  const admin = `${cookies.admin.name}=${cookies.admin.value}`;
  const call = async (procedure: string, input: unknown) => {
    const res = await httpMutation(server.url, procedure, input, { cookie: admin });
    if (res.status !== 200) throw new Error(`${procedure}: ${res.status} ${res.text}`);
    return res.body.result?.data as { secret: string };
  };
  await call('org.updateSettings', { leakedKeyAction: 'notify' });
  const flagged = await call('keys.create', { name: 'Zapier – Support tickets', scope: 'org_limited' });
  await scanner.report(server.url, [{ token: flagged.secret, url: LEAK_URL, source: 'content' }]);
  await call('org.updateSettings', { leakedKeyAction: 'revoke' });
  const revoked = await call('keys.create', { name: 'Old laptop export script', scope: 'org_full' });
  await scanner.report(server.url, [
    {
      token: revoked.secret,
      url: 'https://gist.github.com/acme-dev/4f0c2b8e1d9a7c6b5e3f',
      source: 'gist_content',
    },
  ]);
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  scannerDir = mkdtempSync(path.join(tmpdir(), 'keyhole-layout-scanner-'));
  const scanner = createSecretScanner(scannerDir);
  server = await startDemoServer({ KEYHOLE_SECRET_SCANNING_KEYS_FILE: scanner.keysFile });
  browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
  cookies.admin = await server.signIn(DEMO.admin);
  cookies.member = await server.signIn(DEMO.member);
  await leakedKeyStates(scanner);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (scannerDir) rmSync(scannerDir, { recursive: true, force: true });
  console.info('layout check durations (ms):', timings);
});

type Who = 'visitor' | 'admin' | 'member';

async function newPage(who: Who, viewport: Viewport): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    deviceScaleFactor: viewport.deviceScaleFactor,
    colorScheme: 'light',
    locale: 'en-GB',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
  if (who !== 'visitor') await context.addCookies([{ ...cookies[who], url: server.url }]);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** Loaded: a heading shows and no spinner is left (the page's queries have answered). */
async function settle(page: Page): Promise<void> {
  await ui(page.locator('h1').first()).toBeVisible();
  await expect.poll(() => page.locator('.loading').count(), { timeout: 10_000, interval: 50 }).toBe(0);
}

/**
 * What sticks out sideways: the document wider than the viewport, an element reaching past either
 * edge (after clipping by its overflow or clip ancestors, so visually hidden text inside its box and
 * content of a closed scroller do not count), or a box that scrolls sideways (reflow forbids both).
 */
function overflowReport() {
  const vw = window.innerWidth;
  const name = (el: Element) =>
    `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${
      typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''
    }`;
  const offenders: string[] = [];
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none') continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    let left = rect.left;
    let right = rect.right;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      const clips = s.overflowX !== 'visible' || (s.position === 'absolute' && s.clip !== 'auto');
      if (!clips) continue;
      const r = a.getBoundingClientRect();
      left = Math.max(left, r.left);
      right = Math.min(right, r.right);
    }
    if (right - left <= 0) continue;
    if (left < -0.5 || right > vw + 0.5) {
      offenders.push(`${name(el)} spans ${Math.round(left)}…${Math.round(right)} px`);
    }
    const scrolls = style.overflowX === 'auto' || style.overflowX === 'scroll';
    if (scrolls && !/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && el.scrollWidth > el.clientWidth + 1) {
      offenders.push(`${name(el)} scrolls sideways (${el.scrollWidth} in ${el.clientWidth} px)`);
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, offenders };
}

/** Width check once (layout does not depend on the colours), then axe and a picture in each scheme. */
async function check(
  page: Page,
  label: string,
  problems: string[],
  { fullPage = true }: { fullPage?: boolean } = {},
): Promise<void> {
  const start = performance.now();
  const width = await page.evaluate(overflowReport);
  if (width.scrollWidth > width.innerWidth) {
    problems.push(`${label}: document is ${width.scrollWidth} px wide in a ${width.innerWidth} px viewport`);
  }
  for (const o of width.offenders.slice(0, 8)) problems.push(`${label}: ${o}`);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const v of await axeViolations(page)) problems.push(`${label} [${scheme}]: ${v}`);
    await page.screenshot({
      path: path.join(SCREENSHOTS, `${label}-${scheme}.png`),
      fullPage,
      animations: 'disabled',
      ...(fullPage ? { style: '.toasts { display: none; }' } : {}),
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  timings[label] = Math.round(performance.now() - start);
}

const openDialog = (page: Page) => page.locator('dialog[open]');

async function closeDialog(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await ui(openDialog(page)).toHaveCount(0);
}

async function visit(page: Page, pathname: string): Promise<void> {
  await page.goto(`${server.url}${pathname}`);
  await settle(page);
}

/** The narrow navigation: a Menu button that opens it, Escape that closes it, focus handed back. */
async function checkMenu(page: Page, viewport: Viewport, tag: string, problems: string[]): Promise<void> {
  const menuButton = page.getByRole('button', { name: 'Menu' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  if (viewport.width > NARROW) {
    await ui(menuButton).toHaveCount(0);
    await ui(nav.getByRole('link', { name: 'My meetings' })).toBeVisible();
    return;
  }
  await ui(nav).toHaveCount(0);
  await ui(menuButton).toHaveAttribute('aria-expanded', /^false$/);
  await menuButton.click();
  await ui(menuButton).toHaveAttribute('aria-expanded', /^true$/);
  await ui(nav.getByRole('link', { name: 'Account' })).toBeVisible();
  await check(page, `${tag}-menu-open`, problems);
  await page.keyboard.press('Escape');
  await ui(menuButton).toHaveAttribute('aria-expanded', /^false$/);
  await ui(nav).toHaveCount(0);
  await ui(menuButton).toBeFocused();
  // Following a link closes the menu and the new page's heading takes the focus.
  await menuButton.click();
  await nav.getByRole('link', { name: 'Account' }).click();
  await ui(page.getByRole('heading', { level: 1, name: 'Account' })).toBeFocused();
  await ui(menuButton).toHaveAttribute('aria-expanded', /^false$/);
}

async function visitorStates(page: Page, tag: string, problems: string[]): Promise<void> {
  await visit(page, '/signin');
  await check(page, `${tag}-sign-in`, problems);
  await page.getByLabel('Email').fill('nobody@acme.test');
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await ui(page.getByRole('alert')).toBeVisible();
  await check(page, `${tag}-sign-in-failed`, problems);
  await visit(page, '/signup');
  await check(page, `${tag}-sign-up`, problems);
}

/** What every signed-in user has: meetings, the new-meeting dialog, the menu, the account page. */
async function signedInStates(
  page: Page,
  viewport: Viewport,
  tag: string,
  problems: string[],
): Promise<void> {
  await visit(page, '/meetings');
  await check(page, `${tag}-meetings`, problems);
  await page.getByRole('button', { name: 'New meeting' }).click();
  await ui(openDialog(page)).toHaveCount(1);
  await check(page, `${tag}-new-meeting`, problems, { fullPage: false });
  await closeDialog(page);
  await checkMenu(page, viewport, tag, problems);
  await visit(page, '/settings/account');
  await check(page, `${tag}-account`, problems);
}

async function memberStates(page: Page, viewport: Viewport, tag: string, problems: string[]): Promise<void> {
  await signedInStates(page, viewport, tag, problems);
  await visit(page, '/settings/organization/developer');
  await ui(page.getByRole('heading', { level: 1, name: /^Only org admins can/ })).toBeVisible();
  await check(page, `${tag}-admin-only`, problems);
  await visit(page, '/no-such-page');
  await check(page, `${tag}-not-found`, problems);
}

async function adminStates(page: Page, viewport: Viewport, tag: string, problems: string[]): Promise<void> {
  await memberPagesAsAdmin(page, viewport, tag, problems);
  await developerStates(page, tag, problems);

  await visit(page, '/settings/organization/members');
  await check(page, `${tag}-members`, problems);
  await page.getByRole('button', { name: 'Add member' }).click();
  await ui(openDialog(page)).toHaveCount(1);
  await check(page, `${tag}-add-member`, problems, { fullPage: false });
  await closeDialog(page);
  await page
    .getByRole('button', { name: /^Deactivate / })
    .first()
    .click();
  await ui(openDialog(page)).toHaveCount(1);
  await check(page, `${tag}-deactivate-member`, problems, { fullPage: false });
  await closeDialog(page);
  // A member's role select: choosing Admin asks first (closing the question keeps the role).
  const memberRole = page
    .getByRole('combobox', { name: /^Role of / })
    .filter({ has: page.locator('option:checked[value="member"]') })
    .first();
  await memberRole.selectOption('admin');
  await ui(openDialog(page)).toHaveCount(1);
  await check(page, `${tag}-grant-admin`, problems, { fullPage: false });
  await closeDialog(page);

  await visit(page, '/settings/organization/privacy');
  await check(page, `${tag}-privacy`, problems);
  // The leaked-key choice with "keep working" picked: its risk notice shows (unsaved, then discarded).
  await page.getByRole('radio', { name: /^Keep it working and warn/ }).check();
  await ui(page.getByText(/^Anyone who found the published key/)).toBeVisible();
  await check(page, `${tag}-privacy-notify`, problems);
  await page.getByRole('button', { name: 'Discard' }).click();
  await ui(page.getByRole('radio', { name: /^Revoke it at once/ })).toBeChecked();
  await visit(page, '/settings/organization/audit');
  await check(page, `${tag}-audit`, problems);
}

async function memberPagesAsAdmin(page: Page, viewport: Viewport, tag: string, problems: string[]) {
  await signedInStates(page, viewport, tag, problems);
  await visit(page, '/no-such-page');
  await check(page, `${tag}-not-found`, problems);
}

async function developerStates(page: Page, tag: string, problems: string[]): Promise<void> {
  await visit(page, '/settings/organization/developer');
  // The leak states are on this page: a flagged row, the page alert, the revoked-for-leak section.
  await ui(page.locator('.key-row__leak')).toHaveCount(1);
  await ui(page.getByRole('region', { name: '1 key was found published.' })).toBeVisible();
  await ui(page.getByRole('region', { name: /^Revoked because they were published/ })).toBeVisible();
  await check(page, `${tag}-developer`, problems);

  await page.getByRole('button', { name: 'Add API key' }).click();
  const dialog = openDialog(page);
  await ui(dialog).toHaveCount(1);
  await check(page, `${tag}-add-key`, problems, { fullPage: false });
  await dialog.getByRole('combobox', { name: 'Scope' }).click();
  await ui(dialog.getByRole('listbox')).toBeVisible();
  await check(page, `${tag}-add-key-scopes`, problems, { fullPage: false });
  await page.keyboard.press('Escape'); // the list
  await closeDialog(page);

  // A key that offers every action (legacy keys offer only copy and delete); not the flagged one,
  // whose flag regenerating would clear before the next viewport's pictures.
  const row = page
    .locator('tbody.key-row')
    .filter({ has: page.getByRole('button', { name: /^Regenerate / }) })
    .filter({ hasNot: page.locator('.key-row__leak') })
    .first();
  const name = (await row.locator('.key-row__label').textContent()) ?? '';
  expect(name).not.toBe('');

  await row.getByRole('button', { name: `Rename ${name}` }).click();
  await ui(row.getByRole('textbox')).toBeFocused();
  await check(page, `${tag}-rename-key`, problems);
  await page.keyboard.press('Escape');
  await ui(row.getByRole('textbox')).toHaveCount(0);

  await row.getByRole('button', { name: `Usage of ${name}` }).click();
  await ui(row.getByRole('img', { name: /^Requests per day/ })).toBeVisible();
  await check(page, `${tag}-key-usage`, problems);
  await row.getByRole('button', { name: `Usage of ${name}` }).click();

  // The key string shown in its row: the longest text of the list must still fit.
  await row.getByRole('button', { name: `Show ${name}` }).click();
  await ui(row.getByRole('button', { name: `Hide ${name}` })).toBeVisible();
  await ui(row.getByTestId('key-string')).toContainText(':khs_');
  await check(page, `${tag}-shown-key`, problems);
  await row.getByRole('button', { name: `Hide ${name}` }).click();
  await ui(row.getByRole('button', { name: `Show ${name}` })).toBeVisible();

  await row.getByRole('button', { name: `Regenerate ${name}` }).click();
  await ui(openDialog(page)).toHaveCount(1);
  await check(page, `${tag}-regenerate-key`, problems, { fullPage: false });
  await openDialog(page).getByRole('button', { name: 'Regenerate key' }).click();
  await ui(openDialog(page).getByTestId('key-secret')).toBeVisible();
  await check(page, `${tag}-regenerated-key`, problems, { fullPage: false });
  await closeDialog(page);

  await row.getByRole('button', { name: `Delete ${name}` }).click();
  await ui(openDialog(page)).toHaveCount(1);
  await check(page, `${tag}-delete-key`, problems, { fullPage: false });
  await closeDialog(page);
}

describe.each(VIEWPORTS)('at $name', (viewport) => {
  for (const who of ['visitor', 'admin', 'member'] as const) {
    it(`${who}: every page and dialog fits, with no axe violation, light and dark`, async () => {
      const start = performance.now();
      const { context, page } = await newPage(who, viewport);
      const pageErrors: string[] = [];
      page.on('pageerror', (err) => pageErrors.push(err.message));
      const problems: string[] = [];
      const tag = `${viewport.name}-${who}`;
      try {
        if (who === 'visitor') await visitorStates(page, tag, problems);
        else if (who === 'member') await memberStates(page, viewport, tag, problems);
        else await adminStates(page, viewport, tag, problems);
      } finally {
        await context.close();
        timings[tag] = Math.round(performance.now() - start);
      }
      expect(problems).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  }
});
