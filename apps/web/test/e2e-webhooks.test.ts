import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpMutation, httpQuery } from '@keyhole/testing/http';
import { signUpOverHttp } from '@keyhole/testing/world';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe';
import { type KeyholeServer, startServer } from './support/keyhole-server';
import { openSignedInPage } from './support/signed-in-page';
import { ui } from './support/ui-expect';

/**
 * SPEC §11 "Web UI" in a real browser against the real `keyhole serve`: a key subscribes over HTTP to
 * a receiver on loopback that answers 500, so its delivery shows as failing; the admin then sees it on
 * the Developer page, redelivers, disables, enables and deletes the subscription.
 */

const ADMIN = {
  orgName: 'Hooli',
  name: 'Gavin Belson',
  email: 'gavin@hooli.test',
  password: 'box three 2026',
};

let dataDir: string;
let server: KeyholeServer;
let receiver: Server;
let receiverUrl = '';
let browser: Browser;
let page: Page;
let cookie = '';
let keyString = '';
let subscriptionId = '';
const received: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  // The only destination any delivery of this test may reach: loopback, and the server allows no other.
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['webhook-id']));
      res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  dataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-e2e-webhooks-'));
  server = await startServer(dataDir, 0, {
    KEYHOLE_WEBHOOK_ALLOW_HTTP: 'true',
    KEYHOLE_WEBHOOK_ALLOW_PRIVATE: 'true',
    KEYHOLE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  });
  ({ cookie } = await signUpOverHttp(server.url, ADMIN));
  ({ browser, page } = await openSignedInPage(server.url, cookie, pageErrors));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function asAdmin(procedure: string, input?: unknown, kind: 'query' | 'mutation' = 'query') {
  const res =
    kind === 'query'
      ? await httpQuery(server.url, procedure, input, { cookie })
      : await httpMutation(server.url, procedure, input ?? {}, { cookie });
  expect(res.status, res.text).toBe(200);
  return res.body.result?.data;
}

interface ListedDelivery {
  id: string;
  status: string;
  responseStatus: number | null;
}

const deliveries = async () =>
  ((await asAdmin('webhooks.deliveries', { id: subscriptionId })) as { items: ListedDelivery[] }).items;
const dialog = () => page.locator('dialog[open]');
const keyGroup = () => page.locator('section.webhook-key').filter({ hasText: 'Zapier – Sales' });
const subscription = () => keyGroup().locator('li.webhook');
const deliveryRows = () => subscription().locator('table.deliveries-table tbody tr');

/**
 * Tabbing never reaches the page behind (inert under showModal); past the last control a native
 * modal dialog hands focus to the browser's own UI (activeElement = body) before coming back round.
 */
async function expectFocusTrapped(d: Locator) {
  const controls = await d.locator('button:not(:disabled)').count();
  for (let i = 0; i <= controls + 1; i++) {
    await page.keyboard.press('Tab');
    const inside = await page.evaluate(() => {
      const el = document.activeElement;
      return !el || el === document.body || el.closest('dialog[open]') !== null;
    });
    expect(inside).toBe(true);
  }
}

describe('webhooks on the Developer page', () => {
  it('a key subscribes over HTTP and a meeting makes a delivery the receiver answers 500', async () => {
    const created = (await asAdmin(
      'keys.create',
      { name: 'Zapier – Sales', scope: 'org_full' },
      'mutation',
    )) as {
      secret: string;
    };
    keyString = created.secret;
    // A second key with no subscription: counted in one line, not given an empty group of its own.
    await asAdmin('keys.create', { name: 'BI dashboard', scope: 'org_limited' }, 'mutation');
    const res = await httpMutation(
      server.url,
      'webhooks.subscribe',
      { url: receiverUrl, events: ['meeting.created'] },
      { authorization: `Bearer ${keyString}` },
    );
    expect(res.status, res.text).toBe(200);
    const data = res.body.result?.data as { subscription: { id: string } } | undefined;
    if (!data) throw new Error(`webhooks.subscribe answered no data: ${res.text}`);
    const sub = data.subscription;
    subscriptionId = sub.id;

    const startAt = new Date(Date.now() + 3_600_000);
    await asAdmin(
      'meetings.create',
      {
        subject: 'Pipeline review',
        startAt: startAt.toISOString(),
        endAt: new Date(startAt.getTime() + 30 * 60_000).toISOString(),
      },
      'mutation',
    );
    await expect
      .poll(async () => (await deliveries())[0]?.responseStatus ?? null, { timeout: 20_000, interval: 200 })
      .toBe(500);
    expect(received.length).toBeGreaterThanOrEqual(1);
  });

  it('shows the subscription under its key, and its recent deliveries with the 500', async () => {
    await page.goto(`${server.url}/settings/organization/developer`);
    await ui(page.getByRole('heading', { level: 2, name: 'Webhooks' })).toBeVisible();
    await ui(keyGroup().getByRole('heading', { level: 3, name: 'Zapier – Sales' })).toBeVisible();
    await ui(subscription()).toHaveCount(1);
    await ui(subscription().locator('.webhook__url')).toHaveText(receiverUrl);
    await ui(subscription()).toContainText('meeting.created');
    await ui(subscription().locator('.webhook__status')).toHaveText('Status: Enabled');
    await ui(page.locator('section.webhook-key')).toHaveCount(1);
    await ui(page.locator('.webhooks__others')).toHaveText('1 other key has no webhook subscriptions.');

    const toggle = subscription().getByRole('button', { name: 'Recent deliveries' });
    await toggle.click();
    await ui(toggle).toHaveAttribute('aria-expanded', /^true$/);
    await ui(deliveryRows()).toHaveCount(1);
    const row = deliveryRows().first();
    await ui(row.locator('th')).toHaveText('meeting.created');
    await ui(row.locator('td[data-label="Response"]')).toHaveText('500');
    await ui(row.locator('td[data-label="Attempts"]')).toHaveText(/^[1-9]\d*$/);
    await ui(row.locator('td[data-label="Status"]')).toHaveText(/^(Retrying|Failed)$/);
    await row.locator('td[data-label="Details"] summary').click();
    await ui(row.locator('td[data-label="Details"] pre')).toContainText('receiver is down');
  });

  it('has no axe violation with the deliveries open', async () => {
    const violations = await axeViolations(page);
    expect(violations).toEqual([]);
  });

  it('redelivers: a new delivery row appears, the receiver hears the same webhook-id again', async () => {
    const before = received.length;
    await deliveryRows()
      .first()
      .getByRole('button', { name: /^Redeliver/ })
      .click();
    await ui(deliveryRows()).toHaveCount(2);
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThan(before);
    expect(new Set(received).size).toBe(1);
  });

  it('disables after confirmation (a focus-trapping alert dialog), then enables again', async () => {
    await subscription().getByRole('button', { name: 'Disable', exact: true }).click();
    const d = dialog();
    await ui(d.getByRole('heading', { name: 'Disable this subscription?' })).toBeVisible();
    await ui(d).toHaveAttribute('role', /^alertdialog$/);
    await ui(d.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await expectFocusTrapped(d);
    expect(await axeViolations(page)).toEqual([]);
    await d.getByRole('button', { name: 'Disable', exact: true }).click();
    await ui(dialog()).toHaveCount(0);
    await ui(subscription().locator('.webhook__status')).toHaveText('Status: Disabled by an admin');
    // Redelivering to a disabled subscription is refused (CONFLICT), in the API's words.
    await deliveryRows()
      .first()
      .getByRole('button', { name: /^Redeliver/ })
      .click();
    await ui(deliveryRows().first().getByRole('alert')).toContainText('Enable it before redelivering.');

    await subscription().getByRole('button', { name: 'Enable', exact: true }).click();
    await ui(subscription().locator('.webhook__status')).toHaveText('Status: Enabled');
    const listed = (await asAdmin('webhooks.listForOrg')) as { id: string; enabled: boolean }[];
    expect(listed).toEqual([expect.objectContaining({ id: subscriptionId, enabled: true })]);
  });

  it('deletes after confirmation: the subscription is gone and the section shows the empty state', async () => {
    await subscription().getByRole('button', { name: 'Delete', exact: true }).click();
    const d = dialog();
    await ui(d.getByRole('heading', { name: 'Delete this subscription?' })).toBeVisible();
    await ui(d.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await expectFocusTrapped(d);
    await d.getByRole('button', { name: 'Delete subscription' }).click();
    await ui(dialog()).toHaveCount(0);
    await ui(subscription()).toHaveCount(0);
    // No key has a subscription left: one empty state for the section, no per-key group.
    await ui(keyGroup()).toHaveCount(0);
    await ui(page.locator('.webhooks__others')).toHaveCount(0);
    await ui(page.locator('section.webhooks .empty')).toContainText(
      'No webhook subscriptions yetA webhook tells an integration',
    );
    await ui(page.locator('section.webhooks .empty')).toContainText(
      'Integrations such as Zapier create their subscriptions themselves, with their API key',
    );
    expect(await asAdmin('webhooks.listForOrg')).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
