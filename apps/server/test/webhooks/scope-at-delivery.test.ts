import { webhookDeliveries } from '@keyhole/api/internal/db/schema';
import { systemClock } from '@keyhole/api/internal/lib/clock';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { revokeKey } from '@keyhole/api/internal/services/keys/revoke-key';
import { deliverOnce } from '@keyhole/api/internal/services/webhooks/deliver';
import { canPrincipalRead, type MeetingFacts, type Principal, type Scope } from '@keyhole/core';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor, keyRequest } from '../support/keys';
import { seedOrgWithAdmin, seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';
import { LOOPBACK_DELIVERY_ENV, startReceiver } from './receiver';

/**
 * SPEC §11 "Scope at delivery", proven like the SQL ≡ rule test: for every key scope × meeting class ×
 * change made between the event and its delivery, the deliveries a receiver gets equal what core's
 * `canPrincipalRead` (the §2 rule as a per-meeting predicate, the oracle) says the key may read at
 * delivery time — never a private meeting to a limited key. The worker is off; each round creates the
 * events, applies the change, then runs every pending delivery once (`deliverOnce`, the worker's step).
 */
let app: TestApp;

beforeAll(async () => {
  app = await createTestApp({
    clock: systemClock,
    env: { ...LOOPBACK_DELIVERY_ENV, KEYHOLE_WEBHOOK_WORKERS: '0' },
  });
});
afterAll(async () => {
  await app?.close();
});

const SCOPES: Scope[] = ['user_limited', 'user_full', 'org_limited', 'org_full', 'legacy'];

/** Meetings by who hosts them and who attends, as §2 tells them apart (U is the user-scoped keys' user). */
const CLASSES = [
  'hostedPublic',
  'hostedPrivate',
  'attendedPublic',
  'attendedPrivate',
  'otherPublic',
] as const;
type MeetingClass = (typeof CLASSES)[number];

const CHANGES = [
  'none',
  'madePrivate', // the host makes it private after the event
  'attendeeRemoved', // U is taken off the attendees after the event
  'settingOff', // orgFullKeysIncludePrivate turned off
  'keyRevoked',
  'keyExpired',
  'userDeactivated', // U (the user-scoped keys' user) deactivated
] as const;
type Change = (typeof CHANGES)[number];

interface Round {
  scope: Scope;
  change: Change;
}

async function runRound({ scope, change }: Round) {
  const db = app.deps.db;
  const { org, tag, admin } = await seedOrgWithAdmin(db, { orgFullKeysIncludePrivate: true });
  const u = await seedUser(db, { orgId: org.id, name: 'Uma', email: `uma-${tag}@example.test` });
  const h = await seedUser(db, { orgId: org.id, name: 'Hal', email: `hal-${tag}@example.test` });
  const expiresAt = new Date(Date.now() + 60 * 60_000);
  const key = await createKeyFor(app, {
    adminUserId: admin.id,
    scope,
    ...(scope === 'user_limited' || scope === 'user_full' ? { issuedToUserId: u.id } : {}),
    ...(change === 'keyExpired' && scope !== 'legacy' ? { expiresAt } : {}),
  });
  const receiver = await startReceiver();
  try {
    await app
      .caller(keyRequest(key.keyString))
      .webhooks.subscribe({ url: receiver.url, events: ['meeting.created', 'meeting.updated'] });
    const uSession = await sessionRequest(app, u.id);
    const hSession = await sessionRequest(app, h.id);
    const att = (x: { email: string; name: string }) => ({ email: x.email, name: x.name });
    const create = (
      session: typeof uSession,
      subject: string,
      opts: { isPrivate?: boolean; withU?: boolean },
    ) =>
      app.caller(session).meetings.create({
        subject,
        startAt: '2026-06-01T10:00:00Z',
        endAt: '2026-06-01T11:00:00Z',
        isPrivate: opts.isPrivate ?? false,
        attendees: opts.withU ? [att(u)] : [att(admin)],
      });
    const ids: Record<MeetingClass, string> = {
      hostedPublic: (await create(uSession, 'hostedPublic', {})).id,
      hostedPrivate: (await create(uSession, 'hostedPrivate', { isPrivate: true })).id,
      attendedPublic: (await create(hSession, 'attendedPublic', { withU: true })).id,
      attendedPrivate: (await create(hSession, 'attendedPrivate', { isPrivate: true, withU: true })).id,
      otherPublic: (await create(hSession, 'otherPublic', {})).id,
    };
    // The facts at delivery time, changed below exactly as the database is.
    const facts: Record<MeetingClass, MeetingFacts> = {
      hostedPublic: { orgId: org.id, hostId: u.id, isPrivate: false, attendeeUserIds: [admin.id] },
      hostedPrivate: { orgId: org.id, hostId: u.id, isPrivate: true, attendeeUserIds: [admin.id] },
      attendedPublic: { orgId: org.id, hostId: h.id, isPrivate: false, attendeeUserIds: [u.id] },
      attendedPrivate: { orgId: org.id, hostId: h.id, isPrivate: true, attendeeUserIds: [u.id] },
      otherPublic: { orgId: org.id, hostId: h.id, isPrivate: false, attendeeUserIds: [admin.id] },
    };
    let settings = { orgFullKeysIncludePrivate: true, allowKeyReveal: true };
    let keyUsable = true;

    if (change === 'madePrivate') {
      for (const c of ['hostedPublic', 'attendedPublic', 'otherPublic'] as const) {
        const session = facts[c].hostId === u.id ? uSession : hSession;
        await app.caller(session).meetings.update({ id: ids[c], isPrivate: true });
        facts[c] = { ...facts[c], isPrivate: true };
      }
    } else if (change === 'attendeeRemoved') {
      for (const c of ['attendedPublic', 'attendedPrivate'] as const) {
        await app.caller(hSession).meetings.update({ id: ids[c], attendees: [att(admin)] });
        facts[c] = { ...facts[c], attendeeUserIds: [admin.id] };
      }
    } else if (change === 'settingOff') {
      await app
        .caller(await sessionRequest(app, admin.id))
        .org.updateSettings({ orgFullKeysIncludePrivate: false });
      settings = { ...settings, orgFullKeysIncludePrivate: false };
    } else if (change === 'keyRevoked') {
      await revokeKey(app.deps, systemActor(org.id), { id: key.id });
      keyUsable = false;
    } else if (change === 'keyExpired') {
      if (scope !== 'legacy') {
        // Expired by delivery time: moved into the past in the database, as time passing would.
        await app.deps.database.query('update api_keys set expires_at = $1 where id = $2', [
          new Date(Date.now() - 1000).toISOString(),
          key.id,
        ]);
        keyUsable = false;
      }
    } else if (change === 'userDeactivated') {
      await app
        .caller(await sessionRequest(app, admin.id))
        .members.setStatus({ userId: u.id, status: 'deactivated' });
      if (scope === 'user_limited' || scope === 'user_full') keyUsable = false;
    }

    const pending = await app.deps.db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.orgId, org.id));
    for (const d of pending) await deliverOnce(app.deps, d.id);

    const principal: Principal = {
      kind: 'key',
      orgId: org.id,
      scope,
      issuedToUserId: scope === 'user_limited' || scope === 'user_full' ? u.id : null,
    };
    // Per meeting, the events it raised for this subscription (created, then updated when changed).
    const expected = new Set<string>();
    for (const c of CLASSES) {
      if (keyUsable && canPrincipalRead(principal, settings, facts[c])) expected.add(ids[c]);
    }
    const got = new Set(
      receiver.received.map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id),
    );
    const names = (s: Set<string>) => CLASSES.filter((c) => s.has(ids[c]));
    expect(names(got), `${scope} / ${change}`).toEqual(names(expected));
    // Nothing a key cannot read is kept either: the dropped deliveries are deleted, the sent ones succeeded.
    const left = await app.deps.db
      .select({ status: webhookDeliveries.status })
      .from(webhookDeliveries)
      .where(
        inArray(
          webhookDeliveries.id,
          pending.map((d) => d.id),
        ),
      );
    expect(
      left.every((d) => d.status === 'succeeded'),
      `${scope} / ${change}`,
    ).toBe(true);
    expect(left.length).toBe(receiver.received.length);
    return { delivered: got.size, sent: receiver.received.length };
  } finally {
    await receiver.close();
  }
}

describe('scope at delivery (SPEC §11)', () => {
  for (const scope of SCOPES) {
    it(`${scope}: every change between event and delivery`, async () => {
      const figures: string[] = [];
      for (const change of CHANGES) {
        const r = await runRound({ scope, change });
        figures.push(`${change}: ${r.delivered} meetings, ${r.sent} deliveries`);
      }
      console.log(`[scope-at-delivery] ${scope}: ${figures.join('; ')}`);
    }, 120_000);
  }
});
