import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signUpOverHttp } from '@keyhole/testing/world';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe';
import { type KeyholeServer, startServer } from './support/keyhole-server';
import { openSignedInPage, screenshotFailures } from './support/signed-in-page';
import { ui } from './support/ui-expect';

/**
 * Step-up (SPEC §5) in a real browser against the real API process: once the password entered at
 * sign-up is older than KEYHOLE_REAUTH_MINUTES (1 here, the smallest, so the test waits a minute
 * instead of faking the server's clock), creating a key asks for the password, and the create goes
 * through once it is confirmed; cancelling leaves the form usable with the API's refusal shown.
 */

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const KEY_SHAPE = /^kh_[A-Za-z0-9_]+:khs_[A-Za-z0-9_]+$/;
const ADMIN = {
  org: 'Vandelay',
  name: 'Art Vandelay',
  email: 'art@vandelay.test',
  password: 'latex importer 2026',
};
const REAUTH_MS = 60_000;

let dataDir: string;
let server: KeyholeServer;
let browser: Browser;
let page: Page;
let signedUpAt = 0;
const pageErrors: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-e2e-step-up-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startServer(dataDir, 0, { KEYHOLE_REAUTH_MINUTES: '1' });
  signedUpAt = Date.now();
  const { cookie } = await signUpOverHttp(server.url, {
    orgName: ADMIN.org,
    name: ADMIN.name,
    email: ADMIN.email,
    password: ADMIN.password,
  });
  ({ browser, page } = await openSignedInPage(server.url, cookie, pageErrors));
});

screenshotFailures(SCREENSHOTS, 'step-up', () => page);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// The Add API key dialog (its title becomes "API key created"); the step-up dialog comes after it.
const addKeyDialog = () => page.locator('dialog[open]').first();
const stepUpDialog = () => page.getByRole('dialog', { name: 'Confirm your password to continue' });

async function fillAddKey(name: string) {
  await page.getByRole('button', { name: 'Add API key' }).click();
  const d = addKeyDialog();
  await ui(d).toBeVisible();
  await d.getByLabel('Name').fill(name);
  await d.getByRole('combobox', { name: 'Scope' }).click();
  await d
    .getByRole('listbox')
    .getByRole('option', { name: /^Organization – limited access/ })
    .click();
  return d;
}

describe('step-up in the browser', () => {
  it('creates a key at once while the sign-up password is fresh', async () => {
    await page.goto(`${server.url}/settings/organization/developer`);
    const d = await fillAddKey('Fresh key');
    await d.getByRole('button', { name: 'Create key' }).click();
    await ui(d.getByRole('heading', { name: 'API key created' })).toBeVisible();
    await ui(stepUpDialog()).toHaveCount(0);
    await d.getByRole('button', { name: 'Done' }).click();
  });

  it('asks for the password once it is stale; cancelling shows the refusal and keeps the form', async () => {
    const wait = signedUpAt + REAUTH_MS + 1_000 - Date.now();
    if (wait > 0) await page.waitForTimeout(wait);
    const d = await fillAddKey('Stepped-up key');
    await d.getByRole('button', { name: 'Create key' }).click();
    const sudo = stepUpDialog();
    await ui(sudo).toBeVisible();
    // Focus starts on the password, the dialog's one field.
    await ui(sudo.getByLabel('Password')).toBeFocused();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'step-up-dialog.png') });
    expect(await axeViolations(page)).toEqual([]);
    await sudo.getByRole('button', { name: 'Cancel' }).click();
    await ui(sudo).toHaveCount(0);
    await ui(d.getByRole('alert')).toContainText('Confirm your password to continue');
    await ui(d.getByRole('button', { name: 'Create key' })).toBeEnabled();
  });

  it('says a wrong password at its field, then confirms and retries the create once', async () => {
    const d = addKeyDialog();
    await d.getByRole('button', { name: 'Create key' }).click();
    const sudo = stepUpDialog();
    await ui(sudo).toBeVisible();
    await sudo.getByLabel('Password').fill('not my password at all');
    await sudo.getByRole('button', { name: 'Confirm password' }).click();
    await ui(sudo.getByText('The password is wrong.')).toBeVisible();
    await ui(sudo.getByLabel('Password')).toHaveAttribute('aria-invalid', /^true$/);
    await sudo.getByLabel('Password').fill(ADMIN.password);
    await sudo.getByRole('button', { name: 'Confirm password' }).click();
    await ui(sudo).toHaveCount(0);
    await ui(d.getByRole('heading', { name: 'API key created' })).toBeVisible();
    expect((await d.getByTestId('key-secret').textContent()) ?? '').toMatch(KEY_SHAPE);
    await d.getByRole('button', { name: 'Done' }).click();
    // Exactly one key was made by the confirmed retry: the fresh one and this one.
    await ui(page.getByText('2 of 10 keys used')).toBeVisible();
  });

  it('raised no uncaught error', () => {
    expect(pageErrors).toEqual([]);
  });
});
