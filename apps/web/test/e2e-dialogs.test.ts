import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpMutation, httpQuery } from '@keyhole/testing/http';
import { signUpOverHttp } from '@keyhole/testing/world';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeyholeServer, startServer } from './support/keyhole-server';
import { openSignedInPage, screenshotFailures } from './support/signed-in-page';
import { ui } from './support/ui-expect';

/**
 * Issue 19's dialogs and Developer page in a real browser (Chromium through playwright-core) against
 * the real API process on its embedded database: focus, errors at their fields, failed and lost
 * submits made safe by Idempotency-Key, the key string in the list, expiry presets and the curl.
 */

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const KEY_SHAPE = /^kh_[A-Za-z0-9_]+:khs_[A-Za-z0-9_]+$/;
const DAY_MS = 86_400_000;
const ADMIN = {
  org: 'Initech',
  name: 'Peter Gibbons',
  email: 'peter@initech.test',
  password: 'tps reports 2026',
};

let dataDir: string;
let server: KeyholeServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cookie = '';
const pageErrors: string[] = [];

// What the steps learn along the way.
let lostAnswerSecret = '';

interface ListedKey {
  id: string;
  name: string;
  scope: string;
  clientKey: string;
  expiresAt: string | null;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-e2e-dialogs-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startServer(dataDir, 0);
  ({ cookie } = await signUpOverHttp(server.url, {
    orgName: ADMIN.org,
    name: ADMIN.name,
    email: ADMIN.email,
    password: ADMIN.password,
  }));
  ({ browser, context, page } = await openSignedInPage(server.url, cookie, pageErrors, { clipboard: true }));
});

screenshotFailures(SCREENSHOTS, 'dialogs', () => page);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function call(procedure: string, input?: unknown, kind: 'query' | 'mutation' = 'query') {
  const res =
    kind === 'query'
      ? await httpQuery(server.url, procedure, input, { cookie })
      : await httpMutation(server.url, procedure, input ?? {}, { cookie });
  expect(res.status, res.text).toBe(200);
  return res.body.result?.data;
}

const listKeys = async () => ((await call('keys.list')) as { keys: ListedKey[] }).keys;
const dialog = () => page.locator('dialog[open]');
const isFocused = (target: Locator) => ui(target).toBeFocused();
const keyRow = (name: string) =>
  page
    .locator('tbody.key-row')
    .filter({ has: page.locator('.key-row__label').getByText(name, { exact: true }) });

async function openAddKey() {
  await page.getByRole('button', { name: 'Add API key' }).click();
  await ui(dialog().getByRole('heading', { name: 'Add API key' })).toBeVisible();
  return dialog();
}

async function chooseScope(d: Locator, label: string) {
  await d.getByRole('combobox', { name: 'Scope' }).click();
  await d
    .getByRole('listbox')
    .getByRole('option', { name: new RegExp(`^${label}`) })
    .click();
  await ui(d.getByRole('combobox', { name: 'Scope' })).toContainText(label);
}

/** The field's server message, read the way a screen reader gets it: through aria-describedby. */
async function describedText(field: Locator): Promise<string> {
  return field.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' | '),
  );
}

describe('dialogs and the Developer page', () => {
  it('names the path Settings → Organization → Developer', async () => {
    await page.goto(`${server.url}/settings/organization/developer`);
    await ui(page.getByRole('heading', { level: 1, name: 'Developer' })).toBeVisible();
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('listitem');
    await ui(crumbs).toHaveTexts(['Settings', 'Organization', 'Developer']);
    await ui(crumbs.last()).toHaveAttribute('aria-current', /^page$/);
  });

  it('starts focus on the first field, and a typed space does not close Add API key', async () => {
    const d = await openAddKey();
    const name = d.getByLabel('Name');
    await isFocused(name);
    await page.keyboard.type('Zapier CS team');
    await ui(name).toHaveValue('Zapier CS team');
    await ui(dialog()).toHaveCount(1);
    // The never-expiring default says what it means.
    await ui(d.getByRole('radio', { name: 'Never' })).toBeChecked();
    await ui(d.getByText('Never-expiring key.')).toBeVisible();
    await page.keyboard.press('Escape');
    await ui(dialog()).toHaveCount(0);
  });

  it('shows the server’s message for a whitespace-only name at the field, and clears it on edit', async () => {
    const d = await openAddKey();
    const name = d.getByLabel('Name');
    await name.fill('   ');
    await chooseScope(d, 'Organization – limited access');
    await d.getByRole('button', { name: 'Create key' }).click();
    await ui(name).toHaveAttribute('aria-invalid', /^true$/);
    expect(await describedText(name)).toMatch(/must not be empty/i);
    await isFocused(name);
    // Only at the field: no second copy of the message above the form.
    await ui(d.getByRole('alert')).toHaveCount(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dialogs-field-error.png') });

    await name.press('End');
    await page.keyboard.type('x');
    await ui(name).toHaveAttribute('aria-invalid', /^$/);
    expect(await describedText(name)).not.toMatch(/must not be empty/i);
    expect(await listKeys()).toEqual([]);
    await page.keyboard.press('Escape');
  });

  it('recovers from an offline submit and a lost answer with exactly one key (Idempotency-Key replay)', async () => {
    const d = await openAddKey();
    await d.getByLabel('Name').fill('Nightly export');
    await chooseScope(d, 'Organization – limited access');
    const create = d.getByRole('button', { name: 'Create key' });
    const cancel = d.getByRole('button', { name: 'Cancel' });

    // Offline: a message, and both buttons usable again.
    await context.setOffline(true);
    await create.click();
    await ui(d.getByRole('alert')).toContainText('Cannot reach the Keyhole server');
    await ui(create).toBeEnabled();
    await ui(cancel).toBeEnabled();
    await context.setOffline(false);

    // The request reaches the server and creates the key, but its answer never comes back.
    const sent: { url: string; idempotencyKey: string | undefined }[] = [];
    await page.route(
      (url) => url.pathname.includes('keys.create'),
      async (route) => {
        const request = route.request();
        sent.push({ url: request.url(), idempotencyKey: (await request.allHeaders())['idempotency-key'] });
        if (sent.length === 1) {
          const answer = await route.fetch();
          lostAnswerSecret = ((await answer.json()) as { result: { data: { secret: string } } }).result.data
            .secret;
          await route.abort('connectionreset');
        } else {
          await route.continue();
        }
      },
    );
    await create.click();
    await ui(d.getByRole('alert')).toContainText('Cannot reach the Keyhole server');
    await ui(create).toBeEnabled();
    expect(lostAnswerSecret).toMatch(KEY_SHAPE);
    expect((await listKeys()).map((k) => k.name)).toEqual(['Nightly export']);

    // The retry replays the first answer: the same key string, still one key.
    const replayed = page.waitForResponse((r) => r.url().includes('keys.create'));
    await create.click();
    const answer = await replayed;
    expect(answer.status()).toBe(200);
    expect(await answer.headerValue('idempotent-replayed')).toBe('true');
    await ui(d.getByRole('heading', { name: 'API key created' })).toBeVisible();
    await ui(d.getByTestId('key-secret')).toHaveText(lostAnswerSecret);
    await page.unroute((url) => url.pathname.includes('keys.create'));

    expect(sent).toHaveLength(2);
    expect(sent[0]!.idempotencyKey).toMatch(/^[0-9a-f]{32}$/);
    expect(sent[1]!.idempotencyKey).toBe(sent[0]!.idempotencyKey);
    // Sent on its own: the server refuses the header on a batch.
    for (const s of sent) expect(new URL(s.url).searchParams.get('batch')).toBeNull();
    expect((await listKeys()).map((k) => k.name)).toEqual(['Nightly export']);
  });

  it('offers a ready whoami curl after create that works with the new key', async () => {
    const d = dialog();
    const command = (await d.getByTestId('whoami-curl').textContent()) ?? '';
    const parsed = /^curl -s -H 'Authorization: Bearer ([^']+)' (\S+)$/.exec(command);
    expect(parsed, command).not.toBeNull();
    const [, key, url] = parsed!;
    expect(key).toBe(lostAnswerSecret);
    expect(url).toBe(`${server.url}/trpc/whoami`);
    await d.getByRole('button', { name: 'Copy command' }).click();
    await ui(d.getByText('Copied to the clipboard.')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(command);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dialogs-key-created-curl.png') });

    // What curl sends: a GET with that header.
    const res = await fetch(url!, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { key: { name: string; scope: string } } } };
    expect(body.result.data.key).toMatchObject({ name: 'Nightly export', scope: 'org_limited' });
    await d.getByRole('button', { name: 'Done' }).click();
    await ui(dialog()).toHaveCount(0);
  });

  it('sets expiresAt from the presets, a picked date and never', async () => {
    const cases = [
      { name: 'Thirty', choice: 'In 30 days', days: 30, scope: 'Organization – limited access' },
      { name: 'Sixty', choice: 'In 60 days', days: 60, scope: 'Organization – limited access' },
      { name: 'Ninety', choice: 'In 90 days', days: 90, scope: 'Organization – full access' },
    ];
    for (const c of cases) {
      const d = await openAddKey();
      await d.getByLabel('Name').fill(c.name);
      await chooseScope(d, c.scope);
      await d.getByRole('radio', { name: c.choice }).check();
      const before = Date.now();
      await d.getByRole('button', { name: 'Create key' }).click();
      await ui(d.getByRole('heading', { name: 'API key created' })).toBeVisible();
      const after = Date.now();
      await d.getByRole('button', { name: 'Done' }).click();
      const key = (await listKeys()).find((k) => k.name === c.name);
      const expires = Date.parse(key?.expiresAt ?? '');
      expect(expires, c.name).toBeGreaterThanOrEqual(before + c.days * DAY_MS);
      expect(expires, c.name).toBeLessThanOrEqual(after + c.days * DAY_MS);
    }

    // A picked date: the key works through the end of that day (the browser runs in UTC).
    const picked = new Date(Date.now() + 45 * DAY_MS).toISOString().slice(0, 10);
    let d = await openAddKey();
    await d.getByLabel('Name').fill('Picked date');
    await chooseScope(d, 'Organization – limited access');
    await d.getByRole('radio', { name: 'On a date' }).check();
    await d.getByLabel('Expiry date').fill(picked);
    await d.getByRole('button', { name: 'Create key' }).click();
    await ui(d.getByRole('heading', { name: 'API key created' })).toBeVisible();
    await d.getByRole('button', { name: 'Done' }).click();
    expect((await listKeys()).find((k) => k.name === 'Picked date')?.expiresAt).toBe(
      `${picked}T23:59:59.999Z`,
    );

    d = await openAddKey();
    await d.getByLabel('Name').fill('Forever');
    await chooseScope(d, 'Organization – limited access');
    await d.getByRole('radio', { name: 'In 30 days' }).check();
    await d.getByRole('radio', { name: 'Never' }).check();
    await ui(d.getByText('Never-expiring key.')).toBeVisible();
    await d.getByRole('button', { name: 'Create key' }).click();
    await ui(d.getByRole('heading', { name: 'API key created' })).toBeVisible();
    await d.getByRole('button', { name: 'Done' }).click();
    expect((await listKeys()).find((k) => k.name === 'Forever')?.expiresAt).toBeNull();
  });

  it('shows each key masked in the list, with Show and Copy right there', async () => {
    const key = (await listKeys()).find((k) => k.name === 'Nightly export')!;
    const row = keyRow('Nightly export');
    const value = row.getByTestId('key-string');
    await ui(value).toContainText(`${key.clientKey}:khs_••••`);
    expect(await value.textContent()).not.toContain(lostAnswerSecret.split(':')[1]);

    await row.getByRole('button', { name: 'Show Nightly export' }).click();
    await ui(value).toHaveText(lostAnswerSecret);
    await row.getByRole('button', { name: 'Hide Nightly export' }).click();
    await ui(value).toContainText('••••');

    await row.getByRole('button', { name: 'Copy Nightly export' }).click();
    await ui(row.getByText('Copied to the clipboard.')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(lostAnswerSecret);
    await ui(value).toContainText('••••'); // copied, not put on the page

    // Each fetch of the string is one audited reveal: Show, then Copy.
    const audit = (await call('audit.list', { action: 'key.revealed' })) as { items: unknown[] };
    expect(audit.items).toHaveLength(2);

    // The highest-privilege scope is flagged in words, not by colour alone.
    await ui(keyRow('Ninety').locator('.scope-badge--org_full')).toContainText('Organization – full access');
    await ui(keyRow('Ninety')).toContainText('Highest privilege');
    await ui(keyRow('Thirty').getByText('Highest privilege')).toHaveCount(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dialogs-developer.png'), fullPage: true });
  });

  it('says on one line that copying is off, and offers neither Show nor Copy then', async () => {
    await call('org.updateSettings', { allowKeyReveal: false }, 'mutation');
    await page.reload();
    const notice = page.locator('.notice').filter({ hasText: 'Copying existing keys is turned off' });
    await ui(notice).toBeVisible();
    const lines = await notice.evaluate((el) => {
      const style = getComputedStyle(el);
      const content =
        el.clientHeight - Number.parseFloat(style.paddingTop) - Number.parseFloat(style.paddingBottom);
      return Math.round(content / Number.parseFloat(style.lineHeight));
    });
    expect(lines).toBe(1);
    await ui(page.getByRole('button', { name: /^(Show|Copy) / })).toHaveCount(0);
    await ui(keyRow('Nightly export').getByTestId('key-string')).toContainText('••••');
    await call('org.updateSettings', { allowKeyReveal: true }, 'mutation');
  });

  it('offers a retry when the key list fails to load', async () => {
    const failing = (url: URL) => url.pathname.includes('keys.list');
    await page.route(failing, (route) => route.abort('connectionrefused'));
    await page.reload();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load API keys.' });
    await ui(alert).toBeVisible();
    await page.unroute(failing);
    await alert.getByRole('button', { name: 'Try again' }).click();
    await ui(keyRow('Nightly export')).toBeVisible();
    await ui(alert).toHaveCount(0);
  });

  it('starts focus on the first field of the other dialogs too', async () => {
    const row = keyRow('Thirty');
    await row.getByRole('button', { name: 'Regenerate Thirty' }).click();
    await isFocused(dialog().getByRole('radio', { name: /Now/ }));
    await page.keyboard.press('Escape');
    await row.getByRole('button', { name: 'Delete Thirty' }).click();
    await isFocused(dialog().getByRole('button', { name: 'Cancel' }));
    await page.keyboard.press('Escape');

    // Rename: the server's message for a blank name lands at the input. The row by its id: the label
    // it is found by is replaced by the input while editing.
    const byId = page.locator(`tbody.key-row[data-key-id="${await row.getAttribute('data-key-id')}"]`);
    await byId.getByRole('button', { name: 'Rename Thirty' }).click();
    const input = byId.getByRole('textbox', { name: 'New name for Thirty' });
    await input.fill('  ');
    await input.press('Enter');
    await ui(input).toHaveAttribute('aria-invalid', /^true$/);
    expect(await describedText(input)).toMatch(/must not be empty/i);
    await input.fill('Thirty days');
    await ui(input).toHaveAttribute('aria-invalid', /^$/);
    await input.press('Escape');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('button', { name: 'Add member' }).click();
    await isFocused(dialog().getByLabel('Name'));
    await page.keyboard.type('Milton W');
    await ui(dialog()).toHaveCount(1);
    await page.keyboard.press('Escape');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My meetings' }).click();
    await page.getByRole('button', { name: 'New meeting' }).click();
    const subject = dialog().getByLabel('Subject');
    await isFocused(subject);
    // A blank subject passes the browser's check; the server's message lands at the field.
    await subject.fill(' ');
    await dialog().getByRole('button', { name: 'Create meeting' }).click();
    await ui(subject).toHaveAttribute('aria-invalid', /^true$/);
    expect(await describedText(subject)).toMatch(/must not be empty/i);
    await page.keyboard.press('Escape');
  });

  it('asks before granting admin: Cancel keeps the role, Make admin grants it, taking it back does not ask', async () => {
    const who = { name: 'Milton Waddams', email: 'milton@initech.test' };
    await call('members.add', { ...who, role: 'member', password: ADMIN.password }, 'mutation');
    await page.goto(`${server.url}/settings/organization/members`);
    const role = page.getByRole('combobox', { name: `Role of ${who.name}` });
    await role.selectOption('admin');
    const d = dialog();
    await ui(d.getByRole('heading', { name: `Make ${who.name} an admin?` })).toBeVisible();
    await ui(d).toContainText('revoke API keys');
    await d.getByRole('button', { name: 'Cancel' }).click();
    await ui(dialog()).toHaveCount(0);
    await ui(role).toHaveValue('member');
    const roleOf = async () =>
      ((await call('members.list')) as { email: string; role: string }[]).find((m) => m.email === who.email)
        ?.role;
    expect(await roleOf()).toBe('member');

    await role.selectOption('admin');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dialogs-grant-admin.png') });
    await dialog().getByRole('button', { name: 'Make admin' }).click();
    await ui(dialog()).toHaveCount(0);
    await ui(role).toHaveValue('admin');
    expect(await roleOf()).toBe('admin');

    await role.selectOption('member');
    await ui(dialog()).toHaveCount(0);
    await ui(role).toHaveValue('member');
    await expect.poll(roleOf).toBe('member');
  });

  it('finds the Issued-to user by name or email once the org has more than a handful', async () => {
    const people = [
      'Samir Nagheenanajar',
      'Michael Bolton',
      'Tom Smykowski',
      'Joanna Smith',
      'Bob Slydell',
      'Bob Porter',
    ];
    for (const name of people) {
      const email = `${name.split(' ')[0]!.toLowerCase()}.${name.split(' ')[1]!.toLowerCase()}@initech.test`;
      await call('members.add', { name, email, role: 'member', password: ADMIN.password }, 'mutation');
    }
    await page.goto(`${server.url}/settings/organization/developer`);
    const d = await openAddKey();
    await chooseScope(d, 'User – limited access');
    const find = d.getByRole('searchbox', { name: 'Find a user by name or email' });
    const issuedTo = d.getByLabel('Issued to');
    await find.fill('bob');
    await ui(issuedTo.locator('option')).toHaveTexts([
      'Choose a user…',
      'Bob Slydell (bob.slydell@initech.test)',
      'Bob Porter (bob.porter@initech.test)',
    ]);
    await ui(issuedTo).toHaveValue('');
    // One match is chosen at once; it stays listed when the search changes.
    await find.fill('smykowski');
    await ui(issuedTo.locator('option:checked')).toHaveText('Tom Smykowski (tom.smykowski@initech.test)');
    await find.fill('nobody here');
    await ui(issuedTo.locator('option')).toHaveTexts([
      'No active user matches',
      'Tom Smykowski (tom.smykowski@initech.test)',
    ]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dialogs-issued-to-search.png') });
    await find.fill('');
    await ui(issuedTo.locator('option')).toHaveCount(1 + 2 + people.length);
    await page.keyboard.press('Escape');
    await ui(dialog()).toHaveCount(0);
  });

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
