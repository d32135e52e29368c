import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpMutation, httpQuery } from '@keyhole/testing/http';
import { signUpOverHttp } from '@keyhole/testing/world';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe';
import { type KeyholeServer, startServer } from './support/keyhole-server';
import { createSecretScanner, type SecretScanner } from './support/secret-scanner';
import { openSignedInPage, screenshotFailures } from './support/signed-in-page';
import { onPage, ui } from './support/ui-expect';

/**
 * SPEC §12 in a real browser against the real `keyhole serve`: a test-made secret scanner signs
 * GitHub-format reports to POST /secret-scanning/github; the admin chooses what happens on the
 * Privacy page, sees a flagged key's warning and the page alert until the key is regenerated or
 * deleted, sees keys Keyhole revoked for a leak, and reads the reports in the audit log and its CSV.
 */

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const ADMIN = {
  orgName: 'Vandelay Industries',
  name: 'Art Vandelay',
  email: 'art@vandelay.test',
  password: 'latex salesman 2026',
};
const ZAPIER_URL = 'https://github.com/vandelay/zaps/blob/4f1c2e9/config/settings.py#L12';
// Not a web address: shown as text, never made a link.
const BI_PLACE = 'git@github.com:vandelay/bi-dashboard.git';
const SCRIPT_URL = 'https://gist.github.com/art-vandelay/0d6f2b1c7e';
// The browser's own zone, so "when" must come out in it (named), not in UTC.
const ZONE = 'Europe/Berlin';

let dataDir: string;
let scanner: SecretScanner;
let server: KeyholeServer;
let browser: Browser;
let page: Page;
let cookie = '';
const pageErrors: string[] = [];

interface ListedKey {
  id: string;
  name: string;
  clientKey: string;
  leakedAt: string | null;
  leakedUrl: string | null;
}
interface KeyList {
  keys: ListedKey[];
  revokedForLeak: {
    id: string;
    name: string;
    clientKey: string;
    leakedAt: string | null;
    leakedUrl: string | null;
  }[];
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-e2e-leaked-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  scanner = createSecretScanner(dataDir);
  server = await startServer(dataDir, 0, { KEYHOLE_SECRET_SCANNING_KEYS_FILE: scanner.keysFile });
  ({ cookie } = await signUpOverHttp(server.url, ADMIN));
  ({ browser, page } = await openSignedInPage(server.url, cookie, pageErrors, {
    timezoneId: ZONE,
    acceptDownloads: true,
  }));
});

screenshotFailures(SCREENSHOTS, 'leaked', () => page);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function asAdmin<T>(
  procedure: string,
  input?: unknown,
  kind: 'query' | 'mutation' = 'query',
): Promise<T> {
  const res =
    kind === 'query'
      ? await httpQuery(server.url, procedure, input, { cookie })
      : await httpMutation(server.url, procedure, input ?? {}, { cookie });
  expect(res.status, res.text).toBe(200);
  return res.body.result?.data as T;
}

const createKey = (name: string) =>
  asAdmin<{ key: ListedKey; secret: string }>('keys.create', { name, scope: 'org_full' }, 'mutation');
const listKeys = () => asAdmin<KeyList>('keys.list');
const developer = () => page.goto(`${server.url}/settings/organization/developer`);
const dialog = () => page.locator('dialog[open]');
const keyRow = (name: string) =>
  page
    .locator('tbody.key-row')
    .filter({ has: page.locator('.key-row__label').getByText(name, { exact: true }) });
const leakAlert = () => page.getByRole('region', { name: /found published/ });
/** The time as the page words it: the browser's locale and zone, the zone named. */
const localTime = (iso: string) =>
  page.evaluate(
    (at) =>
      new Intl.DateTimeFormat(undefined, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        timeZoneName: 'short',
      }).format(new Date(at)),
    iso,
  );

let zapier: { key: ListedKey; secret: string };
let bi: { key: ListedKey; secret: string };
let script: { key: ListedKey; secret: string };

describe('leaked keys in the web UI', () => {
  it('Privacy: chooses "keep working and warn" (its risk shown), which holds after a reload', async () => {
    await page.goto(`${server.url}/settings/organization/privacy`);
    const group = page.getByRole('group', { name: /secret scanner finds one of our keys published/ });
    const revoke = group.getByRole('radio', { name: /^Revoke it at once \(recommended\)/ });
    const notify = group.getByRole('radio', { name: /^Keep it working and warn/ });
    await ui(revoke).toBeChecked();
    await ui(page.getByText(/Anyone who found the published key can read your meetings/)).toHaveCount(0);
    await notify.check();
    await ui(page.getByText(/Anyone who found the published key can read your meetings/)).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await ui(page.getByRole('status').filter({ hasText: 'Privacy settings saved.' })).toBeVisible();

    await page.reload();
    await ui(notify).toBeChecked();
    await ui(revoke).toBeUnchecked();
    await ui(page.getByRole('button', { name: 'Save changes' })).toBeDisabled();
    const org = await asAdmin<{ settings: { leakedKeyAction: string } }>('org.get');
    expect(org.settings.leakedKeyAction).toBe('notify');
  });

  it('a reported key is flagged: its row says where and when, and the page alert names it', async () => {
    zapier = await createKey('Zapier – Sales');
    bi = await createKey('BI dashboard');
    expect(
      await scanner.report(server.url, [
        { token: zapier.secret, url: ZAPIER_URL, source: 'content' },
        // The secret alone, as scanners often find it.
        { token: bi.secret.split(':')[1]!, url: BI_PLACE, source: 'commit' },
      ]),
    ).toEqual(['true_positive', 'true_positive']);
    const listed = await listKeys();
    const flagged = listed.keys.find((k) => k.id === zapier.key.id)!;
    expect(flagged.leakedUrl).toBe(ZAPIER_URL);

    await developer();
    const row = keyRow('Zapier – Sales');
    const warning = row.locator('.key-row__leak');
    await ui(warning).toContainText('Published. A scanner found “Zapier – Sales” at');
    const link = warning.getByRole('link', { name: ZAPIER_URL });
    await ui(link).toHaveAttribute(
      'href',
      /^https:\/\/github\.com\/vandelay\/zaps\/blob\/4f1c2e9\/config\/settings\.py#L12$/,
    );
    await ui(link).toHaveAttribute('rel', /^noopener noreferrer nofollow$/);
    const when = await localTime(flagged.leakedAt!);
    expect(when).toMatch(/(CET|CEST|GMT\+\d)$/);
    await ui(warning.locator('time')).toHaveText(when);
    await ui(warning.locator('time')).toHaveAttribute(
      'datetime',
      new RegExp(`^${flagged.leakedAt!.replace(/\./g, '\\.')}$`),
    );
    await ui(warning).toContainText('Whoever saw it there can use it until you regenerate or delete it.');

    // A place that is no web address is shown, but never as a link.
    const biWarning = keyRow('BI dashboard').locator('.key-row__leak');
    await ui(biWarning).toContainText(BI_PLACE);
    await ui(biWarning.getByRole('link')).toHaveCount(0);

    await ui(leakAlert()).toContainText('2 keys were found published.');
    await ui(leakAlert()).toContainText('“BI dashboard”, “Zapier – Sales”');
    // Flagged keys keep working (notify): the flag is the admin's only signal, so it must be seen.
    const whoami = await httpQuery(server.url, 'whoami', undefined, {
      authorization: `Bearer ${zapier.secret}`,
    });
    expect(whoami.status).toBe(200);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'leaked-flagged.png'), fullPage: true });
  });

  it('regenerating clears the warning on that row, deleting the other clears the alert', async () => {
    const row = keyRow('Zapier – Sales');
    await row.getByRole('button', { name: 'Regenerate Zapier – Sales' }).click();
    await dialog().getByRole('button', { name: 'Regenerate key' }).click();
    await ui(dialog().getByTestId('key-secret')).toBeVisible();
    await page.keyboard.press('Escape');
    await ui(dialog()).toHaveCount(0);
    await ui(row.locator('.key-row__leak')).toHaveCount(0);
    await ui(leakAlert()).toContainText('1 key was found published.');
    await ui(leakAlert()).toContainText('“BI dashboard”');
    expect((await leakAlert().textContent()) ?? '').not.toContain('Zapier');

    await keyRow('BI dashboard').getByRole('button', { name: 'Delete BI dashboard' }).click();
    await dialog().getByRole('button', { name: 'Delete key' }).click();
    await ui(keyRow('BI dashboard')).toHaveCount(0);
    await ui(leakAlert()).toHaveCount(0);
    await ui(page.locator('.key-row__leak')).toHaveCount(0);
    // An admin's delete is no leak revoke: it is not listed as one.
    await ui(page.getByRole('heading', { name: /^Revoked because they were published/ })).toHaveCount(0);
    const listed = await listKeys();
    expect(listed.keys.find((k) => k.id === zapier.key.id)).toMatchObject({
      leakedAt: null,
      leakedUrl: null,
    });
    expect(listed.revokedForLeak).toEqual([]);
  });

  it('with "revoke", a reported key leaves the list and shows under "Revoked because they were published"', async () => {
    await asAdmin('org.updateSettings', { leakedKeyAction: 'revoke' }, 'mutation');
    script = await createKey('Old laptop script');
    // A previous secret still in its overlap: only the overlap ends, the new secret keeps working.
    const overlap = await createKey('Reporting job');
    await asAdmin('keys.regenerate', { id: overlap.key.id, previousSecretValidForSeconds: 3600 }, 'mutation');
    expect(
      await scanner.report(server.url, [
        { token: script.secret, url: SCRIPT_URL, source: 'gist_content' },
        { token: overlap.secret, url: null, source: 'npm' },
      ]),
    ).toEqual(['true_positive', 'true_positive']);

    await developer();
    await ui(keyRow('Reporting job')).toHaveCount(1);
    await ui(keyRow('Old laptop script')).toHaveCount(0);
    const section = page.getByRole('region', { name: 'Revoked because they were published (last 30 days)' });
    await ui(section).toBeVisible();
    const rows = section.locator('tbody tr');
    await ui(rows).toHaveCount(1);
    await ui(rows.first().locator('th')).toHaveText('Old laptop script');
    await ui(rows.first().locator('td[data-label="Client key"]')).toHaveText(script.key.clientKey);
    const link = rows.first().locator('td[data-label="Found at"]').getByRole('link', { name: SCRIPT_URL });
    await ui(link).toHaveAttribute('rel', /^noopener noreferrer nofollow$/);
    const listed = await listKeys();
    expect(listed.revokedForLeak).toEqual([
      expect.objectContaining({ id: script.key.id, leakedUrl: SCRIPT_URL }),
    ]);
    await ui(rows.first().locator('td[data-label="Found"] time')).toHaveText(
      await localTime(listed.revokedForLeak[0]!.leakedAt!),
    );
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'leaked-revoked.png'), fullPage: true });
  });

  it('the audit log filters by key.leaked and words each report; the CSV carries them', async () => {
    await page.goto(`${server.url}/settings/organization/audit`);
    const action = page.getByLabel('Action');
    await ui(action.locator('option[value="key.leaked"]')).toHaveText('Key reported as leaked (key.leaked)');
    await action.selectOption('key.leaked');
    await onPage(page).toHaveURL(/\/settings\/organization\/audit\?action=key\.leaked$/);
    const rows = page.locator('table.audit-table tbody tr');
    await ui(rows).toHaveCount(4);
    await ui(rows.first()).toContainText('Key reported as leaked');
    const row = (target: string) =>
      rows.filter({ has: page.locator('td[data-label="Target"]', { hasText: target }) });
    const details = (target: string) => row(target).locator('td[data-label="Details"]');

    await ui(row('Old laptop script').locator('td[data-label="Actor"]')).toHaveText('Keyhole (system)');
    await ui(details('Old laptop script')).toContainText(`Found at${SCRIPT_URL}`);
    await ui(details('Old laptop script')).toContainText('Found inGist');
    await ui(details('Old laptop script')).toContainText('Action takenRevoked at once');
    await ui(details('Reporting job')).toContainText('Found innpm package');
    await ui(details('Reporting job')).toContainText(
      'SecretPrevious secret (still in its regenerate overlap)',
    );
    await ui(details('Reporting job')).toContainText(
      'Action takenPrevious secret’s overlap ended; the current secret keeps working',
    );
    await ui(details('Zapier – Sales')).toContainText(`Found at${ZAPIER_URL}`);
    await ui(details('Zapier – Sales')).toContainText('Found inRepository content');
    await ui(details('Zapier – Sales')).toContainText('Action takenKept working and flagged');
    await ui(details('BI dashboard')).toContainText(`Found at${BI_PLACE}`);
    await ui(details('BI dashboard')).toContainText('Found inCommit');
    // Never the token itself.
    expect((await page.locator('table.audit-table').textContent()) ?? '').not.toContain(':khs_');
    expect(await axeViolations(page)).toEqual([]);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(5); // header + the four reports
    const scriptLine = lines.find((l) => l.includes('Old laptop script'));
    expect(scriptLine).toContain('Key reported as leaked (key.leaked)');
    expect(scriptLine).toContain('Keyhole (system)');
    expect(scriptLine).toContain(`Found at: ${SCRIPT_URL}; Found in: Gist;`);
    expect(scriptLine).toContain('Action taken: Revoked at once');
    expect(lines.find((l) => l.includes('Zapier – Sales'))).toContain(
      'Action taken: Kept working and flagged',
    );
    expect(csv).not.toContain(':khs_');
    expect(pageErrors).toEqual([]);
  });
});
