import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpMutation, httpQuery, type TrpcEnvelope } from '@keyhole/testing/http';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable } from './support/browser-path';
import { CHROMIUM_ARGS } from './support/chromium';
import { type KeyholeServer, runCli, startServer } from './support/keyhole-server';
import { onPage, ui } from './support/ui-expect';

/**
 * The scenario in a real browser (Chromium through playwright-core; support/browser.ts finds or
 * obtains it) against the real API process serving the built app on its embedded database. Each step
 * leans on the previous ones.
 */

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const KEY_SHAPE = /^kh_[A-Za-z0-9_]+:khs_[A-Za-z0-9_]+$/;

const ADMIN = {
  org: 'Globex',
  name: 'Hank Scorpio',
  email: 'hank@globex.test',
  password: 'cypress creek 2026',
};
const MEMBER = { name: 'Bea Baker', email: 'bea@globex.test', password: 'first password 123' };
const PRIVATE_MEETING = 'Bea 1:1 with her manager';
const SHARED_MEETING = 'Weekly team sync';

let dataDir: string;
let port: number;
let server: KeyholeServer;
let browser: Browser;
let adminContext: BrowserContext;
let memberContext: BrowserContext;
let admin: Page;
let member: Page;
const pageErrors: string[] = [];

// What the scenario learns along the way.
let keyString = '';
let orgId = '';
const steps: Record<string, number> = {};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-e2e-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startServer(dataDir, 0);
  port = Number(new URL(server.url).port);
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: CHROMIUM_ARGS,
  });
  // Two fresh, isolated browser profiles: the admin and the member never share a cookie.
  const contextOptions = { viewport: { width: 1360, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' };
  adminContext = await browser.newContext(contextOptions);
  memberContext = await browser.newContext(contextOptions);
  await adminContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  admin = await adminContext.newPage();
  member = await memberContext.newPage();
  for (const page of [admin, member]) {
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }
});

// A failing step leaves a picture of both browsers behind, to see what the page showed.
afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail') return;
  const slug = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
  for (const [who, page] of [
    ['admin', admin],
    ['member', member],
  ] as const) {
    await page
      ?.screenshot({ path: path.join(SCREENSHOTS, `failed-${slug}-${who}.png`), fullPage: true })
      .catch(() => {});
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  console.info('e2e step durations (ms):', steps);
});

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    steps[name] = Math.round(performance.now() - start);
  }
}

/**
 * A picture of the page. Whole-page pictures leave out the toasts: they are fixed to the viewport's
 * corner and would otherwise be drawn in the middle of a long page. Dialogs are taken as the viewport.
 */
async function shot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  await page.screenshot({
    path: path.join(SCREENSHOTS, `${name}.png`),
    fullPage,
    ...(fullPage ? { style: '.toasts { display: none; }' } : {}),
  });
}

/** A call to the API as an integration would make it: plain fetch, the key in the Authorization header. */
async function callWithKey(procedure: string, key: string, input?: unknown) {
  const res = await httpQuery(server.url, procedure, input, { authorization: `Bearer ${key}` });
  const body = JSON.parse(res.text) as TrpcEnvelope;
  return { status: res.status, headers: res.headers, data: body.result?.data, error: body.error };
}

/** The admin's own session, used by the test for set-up the UI has already shown it can do. */
async function adminCookie(): Promise<string> {
  const cookies = await adminContext.cookies(server.url);
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

async function callAsAdmin(procedure: string, input?: unknown, kind: 'query' | 'mutation' = 'mutation') {
  const cookie = await adminCookie();
  const res =
    kind === 'query'
      ? await httpQuery(server.url, procedure, input, { cookie })
      : await httpMutation(server.url, procedure, input ?? {}, { cookie });
  expect(res.status, res.text).toBe(200);
  return res.body.result?.data;
}

const openDialog = (page: Page) => page.locator('dialog[open]');
const keyRow = (page: Page, name: string) =>
  page
    .locator('tbody.key-row')
    .filter({ has: page.locator('.key-row__label').getByText(name, { exact: true }) });

/** The row of a key by its id, which (unlike the label) stays while the name is being edited. */
async function keyRowById(page: Page, name: string) {
  const id = await keyRow(page, name).getAttribute('data-key-id');
  return page.locator(`tbody.key-row[data-key-id="${id}"]`);
}

async function go(page: Page, linkName: string, heading: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: linkName }).click();
  await ui(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

describe('the web app, end to end', () => {
  it('sends a signed-out visitor to sign in, and signs up a new organization', async () => {
    await timed('sign up', async () => {
      await admin.goto(`${server.url}/settings/organization/developer`);
      await onPage(admin).toHaveURL(/\/signin\?next=%2Fsettings%2Forganization%2Fdeveloper$/);
      await ui(admin.getByRole('heading', { name: 'Sign in' })).toBeVisible();
      await shot(admin, 'sign-in');

      await admin.getByRole('link', { name: 'Create an organization' }).click();
      await onPage(admin).toHaveURL(/\/signup$/);
      await admin.getByLabel('Organization name').fill(ADMIN.org);
      await admin.getByLabel('Your name').fill(ADMIN.name);
      await admin.getByLabel('Email').fill(ADMIN.email);
      await admin.getByLabel('Password').fill(ADMIN.password);
      await shot(admin, 'sign-up');
      await admin.getByRole('button', { name: 'Create organization' }).click();

      await onPage(admin).toHaveURL(/\/meetings$/);
      await ui(admin.getByRole('heading', { level: 1, name: 'My meetings' })).toBeVisible();
      await ui(admin.getByText('No meetings yet')).toBeVisible();
      await ui(admin.getByRole('banner')).toContainText(ADMIN.org);
    });
  });

  it('adds a member', async () => {
    await timed('add member', async () => {
      await go(admin, 'Members', 'Members');
      await admin.getByRole('button', { name: 'Add member' }).click();
      const dialog = openDialog(admin);
      await ui(dialog.getByRole('heading', { name: 'Add member' })).toBeVisible();
      await dialog.getByLabel('Name').fill(MEMBER.name);
      await dialog.getByLabel('Email').fill(MEMBER.email);
      await ui(dialog.getByRole('radio', { name: /^Member/ })).toBeChecked();
      await dialog.getByLabel('First password').fill(MEMBER.password);
      await dialog.getByRole('button', { name: 'Add member' }).click();
      await ui(dialog).toHaveCount(0);
      const row = admin.getByRole('row').filter({ hasText: MEMBER.email });
      await ui(row).toContainText('Active');
      await ui(row.getByRole('combobox', { name: `Role of ${MEMBER.name}` })).toHaveValue('member');
      await ui(admin.getByRole('status').filter({ hasText: `${MEMBER.name} added` })).toBeVisible();
      await shot(admin, 'members');
    });
  });

  it('lets the member create a private and a non-private meeting, and mark one private and back', async () => {
    await timed('member meetings', async () => {
      await member.goto(`${server.url}/`);
      await onPage(member).toHaveURL(/\/signin$/);
      await member.getByLabel('Email').fill(MEMBER.email);
      await member.getByLabel('Password').fill(MEMBER.password);
      await member.getByRole('button', { name: 'Sign in' }).click();
      await ui(member.getByRole('heading', { level: 1, name: 'My meetings' })).toBeVisible();

      for (const meeting of [
        { subject: PRIVATE_MEETING, isPrivate: true, attendees: '' },
        { subject: SHARED_MEETING, isPrivate: false, attendees: `${ADMIN.name} <${ADMIN.email}>` },
      ]) {
        await member.getByRole('button', { name: 'New meeting' }).click();
        const dialog = openDialog(member);
        await dialog.getByLabel('Subject').fill(meeting.subject);
        await dialog.getByRole('textbox', { name: /^Attendees/ }).fill(meeting.attendees);
        if (meeting.isPrivate) await dialog.getByRole('checkbox', { name: /Private/ }).check();
        await dialog.getByRole('button', { name: 'Create meeting' }).click();
        await ui(dialog).toHaveCount(0);
      }
      const items = member.getByRole('list', { name: 'Meetings' }).getByRole('listitem');
      await ui(items).toHaveCount(2);
      const privateItem = items.filter({ hasText: PRIVATE_MEETING });
      const sharedItem = items.filter({ hasText: SHARED_MEETING });
      await ui(privateItem.getByText('Private', { exact: true })).toBeVisible();
      await ui(sharedItem).toContainText(ADMIN.name);
      await ui(sharedItem.getByText('Private', { exact: true })).toHaveCount(0);

      // Mark private and back: the badge follows the server's answer.
      await sharedItem.getByRole('button', { name: `Mark private: ${SHARED_MEETING}` }).click();
      await ui(sharedItem.getByText('Private', { exact: true })).toBeVisible();
      await sharedItem.getByRole('button', { name: `Mark not private: ${SHARED_MEETING}` }).click();
      await ui(sharedItem.getByText('Private', { exact: true })).toHaveCount(0);
      await shot(member, 'meetings');
    });
  });

  it('shows a member no admin navigation and an explanation at the Developer URL', async () => {
    await timed('member cannot reach developer', async () => {
      const nav = member.getByRole('navigation', { name: 'Main' });
      await ui(nav.getByRole('link', { name: 'My meetings' })).toBeVisible();
      for (const name of ['Developer', 'Members', 'Privacy', 'Audit log']) {
        await ui(nav.getByRole('link', { name })).toHaveCount(0);
      }
      await member.goto(`${server.url}/settings/organization/developer`);
      await ui(
        member.getByRole('heading', { level: 1, name: 'Only org admins can manage API keys' }),
      ).toBeVisible();
      await ui(member.getByRole('table')).toHaveCount(0);
      // Whom to ask: the org's one admin, by name, with a link to write to them.
      await ui(member.getByTestId('org-admins')).toHaveText(`Ask an admin: ${ADMIN.name} (${ADMIN.email}).`);
      await ui(member.getByRole('link', { name: ADMIN.email })).toHaveAttribute(
        'href',
        new RegExp(`^mailto:${ADMIN.email.replaceAll('.', '\\.')}$`),
      );
      await ui(member.getByText('No API key is issued to you.')).toBeVisible();
      await shot(member, 'member-developer');

      // The admin sees the member's shared meeting (an attendee) but never the private one.
      await admin.goto(`${server.url}/meetings`);
      const adminItems = admin.getByRole('list', { name: 'Meetings' }).getByRole('listitem');
      await ui(adminItems).toHaveCount(1);
      await ui(adminItems.first()).toContainText(SHARED_MEETING);
      await ui(adminItems.first()).toContainText('Only the host can change it');
    });
  });

  it('creates a User – limited key for the member and copies it from the page', async () => {
    await timed('create key', async () => {
      await go(admin, 'Developer', 'Developer');
      await ui(admin.getByText('No API keys yet')).toBeVisible();
      await ui(admin.getByText('0 of 10 keys used')).toBeVisible();
      await admin.getByRole('button', { name: 'Add API key' }).click();
      const dialog = openDialog(admin);
      await dialog.getByLabel('Name').fill('Zapier – Bea');

      // The scope dropdown: each option shows the scope's label and its "best for" text.
      const scope = dialog.getByRole('combobox', { name: 'Scope' });
      await scope.click();
      await ui(dialog.getByRole('listbox').getByRole('option')).toHaveTexts([
        'User – limited accessBest for: Tools that should never receive private recordings.',
        'User – full accessBest for: Integrations that need to act as a specific person.',
        'Organization – limited accessBest for: Reporting or analytics tools that should only use shared data.',
        'Organization – full accessBest for: Central integrations that need the widest org view your policy permits.',
      ]);
      await shot(admin, 'add-key-scopes', { fullPage: false });
      await dialog
        .getByRole('listbox')
        .getByRole('option', { name: /^Organization – limited access/ })
        .click();
      await ui(scope).toContainText('Organization – limited access');
      await ui(dialog.getByLabel('Issued to')).toHaveCount(0);

      // By keyboard: Escape closes the list (not the dialog) without choosing; Home + Enter chooses.
      await scope.press('ArrowDown');
      await ui(dialog.getByRole('listbox')).toBeVisible();
      await scope.press('Home');
      await scope.press('Escape');
      await ui(dialog.getByRole('listbox')).toHaveCount(0);
      await ui(openDialog(admin)).toHaveCount(1);
      await ui(scope).toContainText('Organization – limited access');
      await scope.press('ArrowDown');
      await scope.press('Home');
      await scope.press('Enter');
      await ui(scope).toContainText('User – limited access');
      const issuedTo = dialog.getByLabel('Issued to');
      await ui(issuedTo.locator('option')).toHaveTexts([
        'Choose a user…',
        `${ADMIN.name} (${ADMIN.email})`,
        `${MEMBER.name} (${MEMBER.email})`,
      ]);
      await issuedTo.selectOption({ label: `${MEMBER.name} (${MEMBER.email})` });
      await dialog.getByText('Advanced').click();
      await dialog.getByLabel('Rate limit (requests per minute)').fill('120');
      await shot(admin, 'add-key-dialog', { fullPage: false });
      await dialog.getByRole('button', { name: 'Create key' }).click();

      await ui(dialog.getByRole('heading', { name: 'API key created' })).toBeVisible();
      const shown = (await dialog.getByTestId('key-secret').textContent()) ?? '';
      expect(shown).toMatch(KEY_SHAPE);
      await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
      await ui(dialog.getByText('Copied to the clipboard.')).toBeVisible();
      keyString = await admin.evaluate(() => navigator.clipboard.readText());
      expect(keyString).toBe(shown);
      await shot(admin, 'key-created', { fullPage: false });
      await dialog.getByRole('button', { name: 'Done' }).click();
      await ui(dialog).toHaveCount(0);

      const row = keyRow(admin, 'Zapier – Bea');
      await ui(row).toContainText('User – limited access');
      await ui(row).toContainText(MEMBER.email);
      await ui(row).toContainText(ADMIN.name); // created by
      await ui(row).toContainText('Never'); // last used
      await ui(row).toContainText('120/min');
      await ui(admin.getByText('1 of 10 keys used')).toBeVisible();
    });
  });

  it('reads only the member’s non-private meeting with the copied key', async () => {
    await timed('call API with key', async () => {
      const list = await callWithKey('meetings.list', keyString);
      expect(list.status).toBe(200);
      const subjects = (list.data as { items: { subject: string }[] }).items.map((m) => m.subject);
      expect(subjects).toEqual([SHARED_MEETING]);
      expect(list.headers.get('x-ratelimit-limit')).toBe('120');
      const who = await callWithKey('whoami', keyString);
      expect(who.data).toMatchObject({
        key: { name: 'Zapier – Bea', scope: 'user_limited' },
        issuedTo: { email: MEMBER.email },
      });
    });
  });

  it('shows the member the key issued to them, read-only, where they land in Settings', async () => {
    await timed('member sees own keys', async () => {
      await member.goto(`${server.url}/settings/organization`);
      await ui(
        member.getByRole('heading', { level: 1, name: 'Only org admins can manage API keys' }),
      ).toBeVisible();
      const section = member.getByRole('region', { name: 'Keys issued to you' });
      const rows = section.getByRole('table', { name: 'API keys issued to you' }).locator('tbody tr');
      await ui(rows).toHaveCount(1);
      await ui(rows.first()).toContainText('Zapier – Bea');
      await ui(rows.first()).toContainText('User – limited access');
      // Used a moment ago by the calls above, and nothing on the row can change it.
      await ui(rows.first().locator('td[data-label="Last used"]')).toHaveText(/\d{4}, \d{2}:\d{2} UTC$/);
      await ui(rows.first().locator('td[data-label="Expires"]')).toHaveText('Never');
      await ui(section.getByRole('button')).toHaveCount(0);
      expect(await section.textContent()).not.toContain(keyString.split(':')[0]!);
      await shot(member, 'member-own-keys');
    });
  });

  it('renames the key inline; the credential keeps working', async () => {
    await timed('rename', async () => {
      const row = await keyRowById(admin, 'Zapier – Bea');
      await row.getByRole('button', { name: 'Rename Zapier – Bea' }).click();
      const input = row.getByRole('textbox', { name: 'New name for Zapier – Bea' });
      await ui(input).toBeFocused();
      await input.fill('Zapier – Bea (CS team)');
      await input.press('Enter');
      await ui(keyRow(admin, 'Zapier – Bea (CS team)')).toBeVisible();
      await ui(admin.getByRole('status').filter({ hasText: 'Key renamed' })).toBeVisible();
      const who = await callWithKey('whoami', keyString);
      expect(who.status).toBe(200);
      expect(who.data).toMatchObject({ key: { name: 'Zapier – Bea (CS team)' } });
    });
  });

  it('shows the key’s usage by outcome over 7, 30 or 90 days, and its last use', async () => {
    await timed('usage chart', async () => {
      // A call for a meeting that does not exist: the key's, answered 404, a client error.
      const missing = await callWithKey('meetings.get', keyString, {
        id: '00000000-0000-4000-8000-000000000000',
      });
      expect(missing.status).toBe(404);
      await admin.reload();
      const row = keyRow(admin, 'Zapier – Bea (CS team)');
      await ui(row.locator('time').nth(1)).toBeVisible(); // last used is now a date
      await row.getByRole('button', { name: 'Usage of Zapier – Bea (CS team)' }).click();
      const chart = row.getByRole('img', { name: /Requests per day with Zapier – Bea \(CS team\)/ });
      // Four calls were made with the key: meetings.list, whoami, whoami (after the rename) and the 404.
      await ui(chart).toHaveAttribute(
        'aria-label',
        /last 7 days \(UTC\): 4 in total: 3 success, 1 client error, 0 rate limited\.$/,
      );
      await ui(chart.locator('g.usage__day')).toHaveCount(7);
      await ui(chart.locator('rect.usage__bar--succeeded')).toHaveCount(1);
      await ui(chart.locator('rect.usage__bar--clientErrors')).toHaveCount(1);
      await ui(chart.locator('rect.usage__bar--serverErrors')).toHaveCount(0);
      await ui(row.locator('.usage__legend li')).toHaveTexts([
        'Success 3',
        'Client error 1',
        'Rate limited 0',
      ]);
      await ui(row.locator('figcaption')).toContainText('4 in total');
      const periods = row.getByRole('group', { name: 'Usage period of Zapier – Bea (CS team)' });
      await ui(periods.getByRole('radio', { name: '7 days' })).toBeChecked();
      await periods.getByRole('radio', { name: '30 days' }).check();
      await ui(chart).toHaveAttribute('aria-label', /last 30 days \(UTC\): 4 in total/);
      await ui(chart.locator('g.usage__day')).toHaveCount(30);
      await periods.getByRole('radio', { name: '90 days' }).check();
      await ui(chart.locator('g.usage__day')).toHaveCount(90);
      await ui(row.locator('figcaption')).toContainText('last 90 days (UTC) · 4 in total');
      await shot(admin, 'usage-chart');
    });
  });

  it('regenerates the key: the new secret is shown once and the old one fails at once', async () => {
    await timed('regenerate', async () => {
      const row = keyRow(admin, 'Zapier – Bea (CS team)');
      await row.getByRole('button', { name: 'Regenerate Zapier – Bea (CS team)' }).click();
      const dialog = openDialog(admin);
      await ui(dialog.getByRole('radio', { name: /Now/ })).toBeChecked();
      await ui(dialog.getByRole('radio', { name: /In 1 hour/ })).toBeVisible();
      await ui(dialog.getByRole('radio', { name: /In 24 hours/ })).toBeVisible();
      await shot(admin, 'regenerate-dialog', { fullPage: false });
      await dialog.getByRole('button', { name: 'Regenerate key' }).click();
      const secret = dialog.getByTestId('key-secret');
      await ui(secret).toHaveText(KEY_SHAPE);
      const fresh = (await secret.textContent()) ?? '';
      expect(fresh).not.toBe(keyString);
      await dialog.getByRole('button', { name: 'Done' }).click();

      const old = await callWithKey('whoami', keyString);
      expect(old.status).toBe(401);
      expect(old.error?.data.reason).toBe('invalid_key');
      keyString = fresh;
      expect((await callWithKey('whoami', keyString)).status).toBe(200);
    });
  });

  it('warns on the key of a deactivated member, whose requests fail until reactivation', async () => {
    await timed('deactivated warning', async () => {
      await go(admin, 'Members', 'Members');
      await admin.getByRole('button', { name: `Deactivate ${MEMBER.name}` }).click();
      const dialog = openDialog(admin);
      await ui(dialog).toContainText('API keys issued to them fail');
      await dialog.getByRole('button', { name: 'Deactivate' }).click();
      await ui(admin.getByRole('row').filter({ hasText: MEMBER.email })).toContainText('Deactivated');

      await go(admin, 'Developer', 'Developer');
      const row = keyRow(admin, 'Zapier – Bea (CS team)');
      await ui(row).toContainText(`${MEMBER.name} is deactivated: requests with this key fail`);
      const refused = await callWithKey('whoami', keyString);
      expect(refused.status).toBe(403);
      expect(refused.error?.data.reason).toBe('key_user_deactivated');
      await shot(admin, 'developer-deactivated-user');

      // The Issued to picker offers active users only; Escape closes the dialog and focus comes back.
      const addButton = admin.getByRole('button', { name: 'Add API key' });
      await addButton.click();
      const addDialog = openDialog(admin);
      await ui(addDialog.getByLabel('Issued to').locator('option')).toHaveTexts([
        'Choose a user…',
        `${ADMIN.name} (${ADMIN.email})`,
      ]);
      await admin.keyboard.press('Escape');
      await ui(openDialog(admin)).toHaveCount(0);
      await ui(addButton).toBeFocused();

      // The member's session ended at once: their next page load is the sign-in page.
      await member.reload();
      await ui(member.getByRole('heading', { name: 'Sign in' })).toBeVisible();

      await go(admin, 'Members', 'Members');
      await admin.getByRole('button', { name: `Reactivate ${MEMBER.name}` }).click();
      await ui(admin.getByRole('row').filter({ hasText: MEMBER.email })).toContainText('Active');
      expect((await callWithKey('whoami', keyString)).status).toBe(200);
    });
  });

  it('disables Add API key at 10 keys with the reason; deleting a key frees the slot at once', async () => {
    await timed('limit and delete', async () => {
      for (let i = 1; i <= 9; i++) {
        await callAsAdmin('keys.create', { name: `Reporting ${i}`, scope: 'org_limited' });
      }
      await go(admin, 'Developer', 'Developer');
      await ui(admin.getByText('10 of 10 keys used')).toBeVisible();
      const add = admin.getByRole('button', { name: 'Add API key' });
      await ui(add).toBeDisabled();
      await ui(admin.getByText('Your organization has reached its limit of 10 API keys.')).toBeVisible();
      await shot(admin, 'developer-full');

      const row = keyRow(admin, 'Zapier – Bea (CS team)');
      await row.getByRole('button', { name: 'Delete Zapier – Bea (CS team)' }).click();
      const dialog = openDialog(admin);
      await ui(dialog).toContainText('Every integration using this key stops working at once.');
      await dialog.getByRole('button', { name: 'Delete key' }).click();
      await ui(keyRow(admin, 'Zapier – Bea (CS team)')).toHaveCount(0);
      await ui(admin.getByText('9 of 10 keys used')).toBeVisible();
      await ui(add).toBeEnabled();
      // Focus did not get lost with the deleted row.
      await ui(admin.getByRole('heading', { level: 1, name: 'Developer' })).toBeFocused();

      const deleted = await callWithKey('whoami', keyString);
      expect(deleted.status).toBe(401);

      // Keep one org key for the pictures; the others go through the API.
      const { keys } = (await callAsAdmin('keys.list', undefined, 'query')) as {
        keys: { id: string; name: string }[];
      };
      for (const key of keys.filter((k) => k.name !== 'Reporting 1')) {
        await callAsAdmin('keys.revoke', { id: key.id });
      }
    });
  });

  it('offers only copy and delete on a legacy key imported with the CLI', async () => {
    await timed('legacy import (stop, import, restart)', async () => {
      const me = (await callAsAdmin('auth.me', undefined, 'query')) as { org: { id: string } };
      orgId = me.org.id;
      // The embedded database has one owner: stop the server, import, start it again on the same port.
      await server.stop();
      const imported = await runCli(dataDir, ['legacy-import', '--org', orgId, '--name', 'Legacy']);
      expect(imported.code, imported.stderr).toBe(0);
      const legacyKey = imported.stdout.trim();
      expect(legacyKey).toMatch(KEY_SHAPE);
      server = await startServer(dataDir, port);

      await admin.reload();
      await ui(admin.getByRole('heading', { level: 1, name: 'Developer' })).toBeVisible();
      const row = keyRow(admin, 'Legacy');
      await ui(row.getByText('Legacy', { exact: true }).nth(1)).toBeVisible(); // the badge
      const buttons = await row
        .getByRole('button')
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      // Show and Copy sit by the masked key string in the list; no rename, no regenerate.
      expect(buttons).toEqual(['Show Legacy', 'Copy Legacy', 'Usage of Legacy', 'Delete Legacy']);
      await ui(row).toContainText('Legacy');

      await row.getByRole('button', { name: 'Copy Legacy' }).click();
      await ui(row.getByText('Copied to the clipboard.')).toBeVisible();
      expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(legacyKey);
      await ui(row.getByRole('button', { name: 'Copy Legacy' })).toBeFocused();

      // A legacy key reads every meeting of the org, the member's private one included.
      for (let i = 0; i < 4; i++) {
        const list = await callWithKey('meetings.list', legacyKey);
        expect(list.status).toBe(200);
        const subjects = (list.data as { items: { subject: string }[] }).items.map((m) => m.subject);
        expect(subjects.sort()).toEqual([PRIVATE_MEETING, SHARED_MEETING].sort());
      }
      await row.getByRole('button', { name: 'Usage of Legacy' }).click();
      await ui(row.getByRole('img')).toHaveAttribute(
        'aria-label',
        /: 4 in total: 4 success, 0 client error, 0 rate limited\.$/,
      );
      await ui(row.locator('time')).toHaveCount(2); // created, and now last used
      await shot(admin, 'developer');
    });
  });

  it('turns key copying off in Privacy; the Developer page then hides Copy and says why', async () => {
    await timed('privacy', async () => {
      await go(admin, 'Privacy', 'Privacy');
      const reveal = admin.getByRole('checkbox', { name: 'Admins can copy existing keys' });
      const includePrivate = admin.getByRole('checkbox', {
        name: 'Organization – full access keys include private meetings',
      });
      await ui(reveal).toBeChecked();
      await ui(includePrivate).toBeChecked();
      await ui(admin.getByRole('button', { name: 'Save changes' })).toBeDisabled();
      await reveal.uncheck();
      await admin.getByRole('button', { name: 'Save changes' }).click();
      await ui(admin.getByRole('status').filter({ hasText: 'Privacy settings saved.' })).toBeVisible();
      await ui(reveal).toBeUnchecked();
      await shot(admin, 'privacy');

      await go(admin, 'Developer', 'Developer');
      await ui(admin.getByText('Copying existing keys is turned off')).toBeVisible();
      await ui(admin.getByRole('button', { name: /^Copy / })).toHaveCount(0);
      await ui(admin.getByRole('button', { name: 'Delete Legacy' })).toBeVisible();
    });
  });

  it('shows each step in the audit log, a page at a time, filtered by action', async () => {
    await timed('audit log', async () => {
      await go(admin, 'Audit log', 'Audit log');
      const rows = admin.locator('table.audit-table tbody tr');
      await ui(rows).toHaveCount(25);
      await admin.getByRole('button', { name: 'Load older events' }).click();
      // signed up, member added, member signed in, 10 created, renamed, regenerated, deactivated and
      // reactivated, 9 revoked, legacy imported, 1 reveal (the legacy key), settings updated.
      await ui(rows).toHaveCount(29);
      await ui(admin.getByRole('button', { name: /Load older events|Loading/ })).toHaveCount(0);
      const actions = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
      for (const action of [
        'auth.signed_up',
        'member.added',
        'auth.signed_in',
        'key.created',
        'key.renamed',
        'key.regenerated',
        'key.revealed',
        'member.status_changed',
        'key.revoked',
        'key.legacy_imported',
        'org.settings_updated',
      ]) {
        expect(actions, action).toContain(action);
      }
      expect(actions[0]).toBe('org.settings_updated'); // newest first
      expect(actions.at(-1)).toBe('auth.signed_up');
      await ui(rows.filter({ hasText: 'key.legacy_imported' })).toContainText('Keyhole (system)');
      await shot(admin, 'audit');

      await admin.getByLabel('Action').selectOption('key.revoked');
      await onPage(admin).toHaveURL(/\/settings\/organization\/audit\?action=key\.revoked$/);
      await ui(rows).toHaveCount(9);
      const filtered = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
      expect(new Set(filtered)).toEqual(new Set(['key.revoked']));
      await shot(admin, 'audit-filtered');
    });
  });

  it('filters the audit log by actor and date, words the details, and exports the filtered view as CSV', async () => {
    await timed('audit filters and export', async () => {
      const rows = admin.locator('table.audit-table tbody tr');
      const actor = admin.getByLabel('Actor');
      await actor.selectOption({ label: `${MEMBER.name} (${MEMBER.email})` });
      await ui(admin.getByText('No events match these filters')).toBeVisible();
      await admin.getByLabel('Action').selectOption('');
      await ui(rows.first()).toBeVisible();
      const byMember = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
      expect(new Set(byMember)).toEqual(new Set(['auth.signed_in']));

      await admin.getByRole('button', { name: 'Clear filters' }).click();
      await onPage(admin).toHaveURL(/\/settings\/organization\/audit$/);
      await actor.selectOption({ label: `${ADMIN.name} (${ADMIN.email})` });
      await admin.getByLabel('Action').selectOption('key.created');
      await ui(rows).toHaveCount(10);
      // The first key: its scope by label, the member it is issued to by name, its rate limit worded.
      const first = rows.last();
      await ui(first).toContainText('User – limited access');
      await ui(first).toContainText(`Issued to${MEMBER.name} (${MEMBER.email})`);
      await ui(first).toContainText('120 per minute');
      await ui(first.locator('td[data-label="When"]')).toHaveText(/ UTC$/);
      await ui(first.locator('td[data-label="Actor"]')).toContainText(ADMIN.name);

      // A range in the future holds nothing; an end before the start is said, not sent.
      await admin.getByLabel('From').fill('2099-01-01T00:00');
      await ui(admin.getByText('No events match these filters')).toBeVisible();
      await admin.getByLabel('Before').fill('2098-01-01T00:00');
      await ui(admin.getByText('“Before” is earlier than “From”')).toBeVisible();
      await admin.getByLabel('From').fill('2000-01-01T00:00');
      await ui(rows).toHaveCount(10);
      await admin.getByLabel('Before').fill('');
      await admin.getByLabel('From').fill('');
      await shot(admin, 'audit-by-actor');

      const exported = async () => {
        const [download] = await Promise.all([
          admin.waitForEvent('download'),
          admin.getByRole('button', { name: 'Export CSV' }).click(),
        ]);
        expect(download.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
        const { readFile } = await import('node:fs/promises');
        return readFile((await download.path())!, 'utf8');
      };
      const csv = await exported();
      const lines = csv.split('\r\n');
      expect(lines[0]).toBe('Time (UTC),Local time,Action,Actor,Actor email,Target,Details,IP,User agent');
      expect(lines.at(-1)).toBe('');
      expect(lines).toHaveLength(1 + 10 + 1);
      expect(lines.slice(1, -1).every((l) => l.includes('Key created (key.created)'))).toBe(true);
      // The local time holds a comma, so it is quoted as RFC 4180 says; the details read as on the page.
      expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z,"\d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} UTC",/);
      expect(csv).toMatch(
        /Scope: User – limited access; Client key: kh_\w+; Issued to: Bea Baker \(bea@globex\.test\); Rate limit: 120 per minute/,
      );

      // The whole view, every page of it, not only the 25 rows on screen.
      await admin.getByRole('button', { name: 'Clear filters' }).click();
      await admin.reload(); // a fresh view shows one page, not the pages loaded earlier
      await ui(rows).toHaveCount(25);
      const all = (await exported()).split('\r\n').length - 2;
      expect(all).toBeGreaterThan(25);
    });
  });

  it('changes the password, signs out and signs in again', async () => {
    await timed('account', async () => {
      await go(admin, 'Account', 'Account');
      await admin.getByLabel('Current password').fill(ADMIN.password);
      await admin.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
      await admin.getByLabel('Confirm new password').fill('a brand new passphrase');
      await admin.getByRole('button', { name: 'Change password' }).click();
      await ui(admin.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();
      await shot(admin, 'account');

      await admin.getByRole('button', { name: 'Sign out' }).click();
      await onPage(admin).toHaveURL(/\/signin$/);
      await admin.getByLabel('Email').fill(ADMIN.email);
      await admin.getByLabel('Password').fill(ADMIN.password);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      await ui(admin.getByRole('alert')).toContainText('Wrong email or password.');
      await admin.getByLabel('Password').fill('a brand new passphrase');
      await admin.getByRole('button', { name: 'Sign in' }).click();
      await ui(admin.getByRole('heading', { level: 1, name: 'My meetings' })).toBeVisible();
    });
  });

  it('pages My meetings 20 at a time', async () => {
    await timed('meetings paging', async () => {
      const base = Date.parse('2026-01-05T09:00:00Z');
      for (let i = 0; i < 21; i++) {
        const startAt = new Date(base + i * 86_400_000);
        await callAsAdmin('meetings.create', {
          subject: `Customer call ${String(i + 1).padStart(2, '0')}`,
          startAt: startAt.toISOString(),
          endAt: new Date(startAt.getTime() + 45 * 60_000).toISOString(),
        });
      }
      await admin.reload();
      await ui(admin.getByRole('heading', { level: 1, name: 'My meetings' })).toBeVisible();
      const items = admin.getByRole('list', { name: 'Meetings' }).getByRole('listitem');
      await ui(items).toHaveCount(20);
      await admin.getByRole('button', { name: 'Load more meetings' }).click();
      // 21 of the admin's own and the member's shared one (an attendee); never her private one.
      await ui(items).toHaveCount(22);
      await ui(admin.getByRole('button', { name: /Load more meetings|Loading/ })).toHaveCount(0);
      const subjects = await items.locator('h2').allTextContents();
      expect(new Set(subjects).size).toBe(22);
      expect(subjects).not.toContain(PRIVATE_MEETING);
      await shot(admin, 'meetings-admin');
    });
  });

  it('raised no uncaught error in either browser', () => {
    expect(pageErrors).toEqual([]);
  });
});
