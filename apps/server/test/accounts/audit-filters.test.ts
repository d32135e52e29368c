import { randomUUID } from 'node:crypto';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import { recordAudit } from '@keyhole/api/internal/services/audit/record-audit';
import type { AuditAction } from '@keyhole/core';
import { callError, expectTrpcError } from '@keyhole/testing/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app';
import { signUpOrg } from './account-helpers';

let app: TestApp;
const clock = new ManualClock(new Date('2026-03-01T00:00:00.000Z'));

beforeAll(async () => {
  app = await createTestApp({ clock });
});
afterAll(async () => {
  await app?.close();
});

const T0 = new Date('2026-03-10T00:00:00.000Z').getTime();
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

async function event(orgId: string, minutes: number, actorId: string | null, action: AuditAction) {
  await recordAudit(app.deps.db, {
    orgId,
    at: at(minutes),
    actor: actorId ? { type: 'user', id: actorId, email: `${actorId.slice(0, 8)}@example.test` } : null,
    action,
    target: { type: 'key', id: randomUUID(), name: `event at ${minutes}` },
  });
}

/** Every item of a query, following nextCursor page by page. */
async function everything(caller: ReturnType<TestApp['caller']>, q: Record<string, unknown>, limit = 2) {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await caller.audit.list({ ...q, limit, ...(cursor ? { cursor } : {}) });
    names.push(...page.items.map((e) => e.target?.name ?? ''));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return names;
}

describe('audit.list filters', () => {
  it('filters by actor, by date range (from inclusive, to exclusive) and by all of them together, paged', async () => {
    const admin = await signUpOrg(app);
    const orgId = admin.org.id;
    const ann = randomUUID();
    const bob = randomUUID();
    for (let m = 0; m < 10; m++) {
      await event(orgId, m, m % 2 === 0 ? ann : bob, m < 5 ? 'key.created' : 'key.revoked');
    }
    await event(orgId, 10, null, 'key.created');
    const caller = app.caller(admin.req);

    expect(await everything(caller, { actorId: ann })).toEqual([8, 6, 4, 2, 0].map((m) => `event at ${m}`));
    // Upper case is the same id.
    expect(await everything(caller, { actorId: bob.toUpperCase() })).toEqual(
      [9, 7, 5, 3, 1].map((m) => `event at ${m}`),
    );
    expect(await everything(caller, { from: at(3).toISOString(), to: at(7).toISOString() })).toEqual(
      [6, 5, 4, 3].map((m) => `event at ${m}`),
    );
    // An offset is converted: 01:03+01:00 is 00:03Z.
    expect(
      await everything(caller, { from: '2026-03-10T01:03:00+01:00', to: '2026-03-10T01:04:00+01:00' }),
    ).toEqual(['event at 3']);
    expect(
      await everything(caller, {
        actorId: ann,
        action: 'key.revoked',
        from: at(0).toISOString(),
        to: at(9).toISOString(),
      }),
    ).toEqual(['event at 8', 'event at 6']);
    // from = to is an empty range, not an error.
    expect(await caller.audit.list({ from: at(3).toISOString(), to: at(3).toISOString() })).toEqual({
      items: [],
      nextCursor: null,
    });
    expect(await caller.audit.list({ actorId: randomUUID() })).toEqual({ items: [], nextCursor: null });
  });

  it('binds a cursor to its filters: the same filters page on, any other is BAD_REQUEST invalid_cursor', async () => {
    const admin = await signUpOrg(app);
    const ann = randomUUID();
    for (let m = 0; m < 6; m++) await event(admin.org.id, m, ann, 'key.created');
    const caller = app.caller(admin.req);
    const filters = { actorId: ann, action: 'key.created' as const, from: at(0).toISOString() };
    const first = await caller.audit.list({ ...filters, limit: 2 });
    const cursor = first.nextCursor!;
    // The same filters, sent in another order and with another spelling of the same instant.
    const second = await caller.audit.list({
      from: '2026-03-10T01:00:00+01:00',
      limit: 3,
      action: 'key.created',
      actorId: ann.toUpperCase(),
      cursor,
    });
    expect(second.items.map((e) => e.target?.name)).toEqual(['event at 3', 'event at 2', 'event at 1']);

    for (const other of [
      { actorId: randomUUID(), action: 'key.created' as const, from: at(0).toISOString() },
      { actorId: ann, from: at(0).toISOString() },
      { actorId: ann, action: 'key.created' as const },
      { ...filters, from: at(1).toISOString() },
      { ...filters, to: at(100).toISOString() },
      {},
    ]) {
      const e = await expectTrpcError(
        caller.audit.list({ ...other, cursor }),
        'BAD_REQUEST',
        'invalid_cursor',
      );
      expect(e.message).toMatch(/other filters/);
    }
    // A filterless cursor is bound to no filters, and not to some.
    const plain = await caller.audit.list({ limit: 1 });
    await expectTrpcError(
      caller.audit.list({ actorId: ann, cursor: plain.nextCursor! }),
      'BAD_REQUEST',
      'invalid_cursor',
    );
    expect((await caller.audit.list({ limit: 1, cursor: plain.nextCursor! })).items).toHaveLength(1);
  });

  it('validates actorId, from and to, naming the field', async () => {
    const admin = await signUpOrg(app);
    const caller = app.caller(admin.req);
    const bad = async (input: Record<string, unknown>, field: string, message: RegExp = /./) => {
      const e = await callError(caller.audit.list(input as never));
      expect(e.code).toBe('BAD_REQUEST');
      expect(e.fields).toEqual([field]);
      expect(e.message).toMatch(message);
    };
    await bad({ actorId: 'not-a-uuid' }, 'actorId');
    await bad({ actorId: 42 }, 'actorId');
    await bad({ from: 'yesterday' }, 'from');
    await bad({ to: '2026-03-10' }, 'to');
    await bad({ from: '0001-01-01T00:00:00Z' }, 'from', /must not be before 1900/);
    await bad({ from: at(5).toISOString(), to: at(4).toISOString() }, 'to', /must not be before from/);
  });
});
