import { randomUUID } from 'node:crypto';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import { recordAudit } from '@keyhole/api/internal/services/audit/record-audit';
import type { AUDIT_ACTIONS } from '@keyhole/core';
import { expectTrpcError } from '@keyhole/testing/errors';
import { uniqueIp } from '@keyhole/testing/ips';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app';
import { addSignedInMember, PASSWORD, signUpOrg, uniqueEmail } from './account-helpers';

let app: TestApp;
const clock = new ManualClock();

beforeAll(async () => {
  app = await createTestApp({ clock });
});
afterAll(async () => {
  await app?.close();
});

/** Writes n events one second apart (system actor), the newest last. */
async function writeEvents(orgId: string, n: number, action: (typeof AUDIT_ACTIONS)[number] = 'key.created') {
  for (let i = 0; i < n; i++) {
    clock.advance(1000);
    await recordAudit(app.deps.db, {
      orgId,
      at: clock.now(),
      actor: { type: 'system', id: null, email: null },
      action,
      target: { type: 'key', id: randomUUID(), name: `key ${i}` },
      details: { n: i },
    });
  }
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

describe('audit.list', () => {
  it('lists the org events newest first in the SPEC shape', async () => {
    const admin = await signUpOrg(app);
    clock.advance(1000);
    const memberEmail = uniqueEmail('audited');
    const member = await app
      .caller(admin.req)
      .members.add({ email: memberEmail, name: 'Audited', role: 'member', password: PASSWORD });
    clock.advance(1000);
    await app.caller({ ip: uniqueIp() }).auth.signIn({ email: memberEmail, password: PASSWORD });
    clock.advance(1000);
    await app.caller({ ...admin.req, ip: '10.4.4.4', userAgent: 'audit-ua' }).org.updateSettings({
      allowKeyReveal: false,
    });
    const { items, nextCursor } = await app.caller(admin.req).audit.list();
    expect(nextCursor).toBeNull();
    expect(items.map((e) => e.action)).toEqual([
      'org.settings_updated',
      'auth.signed_in',
      'member.added',
      'auth.signed_up',
    ]);
    expect(items[0]).toEqual({
      id: expect.any(String),
      at: clock.now().toISOString(),
      actor: { type: 'user', id: admin.user.id, email: admin.email },
      action: 'org.settings_updated',
      target: { type: 'org', id: admin.org.id, name: admin.org.name },
      details: {
        before: { orgFullKeysIncludePrivate: true, allowKeyReveal: true, leakedKeyAction: 'revoke' },
        after: { orgFullKeysIncludePrivate: true, allowKeyReveal: false, leakedKeyAction: 'revoke' },
      },
      ip: '10.4.4.4',
      userAgent: 'audit-ua',
    });
    expect(items[1]!.target).toEqual({ type: 'user', id: member.id, name: memberEmail });
    expect(items[2]!.target).toEqual({ type: 'user', id: member.id, name: memberEmail });
    for (const e of items) {
      expect(e.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(JSON.stringify(e)).not.toContain(PASSWORD);
    }
  });

  it('records system and anonymous actors as such', async () => {
    const admin = await signUpOrg(app);
    await writeEvents(admin.org.id, 1);
    clock.advance(1000);
    await app
      .caller({ ip: uniqueIp() })
      .auth.signIn({ email: admin.email, password: 'wrong password!' })
      .catch(() => {});
    const { items } = await app.caller(admin.req).audit.list({ limit: 2 });
    expect(items[0]).toMatchObject({ action: 'auth.sign_in_failed', actor: null });
    expect(items[1]).toMatchObject({
      action: 'key.created',
      actor: { type: 'system', id: null, email: null },
    });
  });

  it('pages by cursor without skipping or repeating, also while newer events arrive', async () => {
    const admin = await signUpOrg(app);
    await writeEvents(admin.org.id, 9);
    const caller = app.caller(admin.req);
    const all = (await caller.audit.list({ limit: 100 })).items;
    expect(all).toHaveLength(10);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await caller.audit.list({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
      // Newer events must not shift the pages still to come.
      if (pages === 1) await writeEvents(admin.org.id, 2);
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it('breaks ties of equal times by id, so events of one instant page cleanly', async () => {
    const admin = await signUpOrg(app);
    const at = clock.now();
    for (let i = 0; i < 7; i++) {
      await recordAudit(app.deps.db, {
        orgId: admin.org.id,
        at,
        actor: null,
        action: 'key.revealed',
        target: null,
      });
    }
    const caller = app.caller(admin.req);
    const all = (await caller.audit.list({ action: 'key.revealed' })).items.map((e) => e.id);
    expect(all).toHaveLength(7);
    const first = await caller.audit.list({ action: 'key.revealed', limit: 4 });
    const second = await caller.audit.list({ action: 'key.revealed', limit: 4, cursor: first.nextCursor! });
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((e) => e.id)).toEqual(all);
  });

  it('filters by action', async () => {
    const admin = await signUpOrg(app);
    await writeEvents(admin.org.id, 3, 'key.revoked');
    await writeEvents(admin.org.id, 2, 'key.created');
    const revoked = await app.caller(admin.req).audit.list({ action: 'key.revoked' });
    expect(revoked.items).toHaveLength(3);
    expect(new Set(revoked.items.map((e) => e.action))).toEqual(new Set(['key.revoked']));
    const none = await app.caller(admin.req).audit.list({ action: 'member.password_changed' });
    expect(none).toEqual({ items: [], nextCursor: null });
  });

  it('returns 50 events by default and at most 100', async () => {
    const admin = await signUpOrg(app);
    await writeEvents(admin.org.id, 101);
    const first = await app.caller(admin.req).audit.list();
    expect(first.items).toHaveLength(50);
    expect(first.nextCursor).toEqual(expect.any(String));
    const big = await app.caller(admin.req).audit.list({ limit: 100 });
    expect(big.items).toHaveLength(100);
    const rest = await app.caller(admin.req).audit.list({ limit: 100, cursor: big.nextCursor! });
    expect(rest.items).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();
  });

  it('never shows another org events, even through a cursor made from one of them', async () => {
    const admin = await signUpOrg(app);
    const other = await signUpOrg(app);
    await writeEvents(other.org.id, 3);
    const mine = await app.caller(admin.req).audit.list();
    expect(mine.items.map((e) => e.action)).toEqual(['auth.signed_up']);
    const theirs = await app.caller(other.req).audit.list({ limit: 1 });
    const viaTheirCursor = await app.caller(admin.req).audit.list({ cursor: theirs.nextCursor! });
    expect(viaTheirCursor.items.every((e) => mine.items.some((m) => m.id === e.id))).toBe(true);
  });

  it('refuses a malformed cursor with BAD_REQUEST invalid_cursor', async () => {
    const admin = await signUpOrg(app);
    const caller = app.caller(admin.req);
    const bad = [
      'not a cursor!',
      '',
      b64('not json'),
      b64('[]'),
      b64('null'),
      b64(JSON.stringify({ at: 'yesterday', id: randomUUID() })),
      b64(JSON.stringify({ at: new Date().toISOString(), id: 'nope' })),
      b64(JSON.stringify({ at: new Date().toISOString() })),
      b64(JSON.stringify({ at: '2026-02-30T00:00:00.000Z', id: randomUUID() })),
      b64(JSON.stringify({ at: new Date().toISOString(), id: randomUUID(), extra: 1 })),
      'A'.repeat(5000),
    ];
    for (const cursor of bad) {
      await expectTrpcError(caller.audit.list({ cursor }), 'BAD_REQUEST', 'invalid_cursor');
    }
  });

  it('validates limit and action', async () => {
    const admin = await signUpOrg(app);
    const caller = app.caller(admin.req);
    await expectTrpcError(caller.audit.list({ limit: 0 }), 'BAD_REQUEST');
    await expectTrpcError(caller.audit.list({ limit: 101 }), 'BAD_REQUEST');
    await expectTrpcError(caller.audit.list({ limit: 2.5 }), 'BAD_REQUEST');
    await expectTrpcError(caller.audit.list({ action: 'key.deleted' } as never), 'BAD_REQUEST');
    await expectTrpcError(caller.audit.list({ orgId: randomUUID() } as never), 'BAD_REQUEST');
  });

  it('is for admins only', async () => {
    const admin = await signUpOrg(app);
    const member = await addSignedInMember(app, admin.token);
    await expectTrpcError(app.caller(member.req).audit.list(), 'FORBIDDEN', 'admin_required');
    await expectTrpcError(app.caller().audit.list(), 'UNAUTHORIZED');
  });
});
