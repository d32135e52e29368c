import { request } from 'node:http';
import { apiKeys, auditEvents, idempotencyRecords } from '@keyhole/api/internal/db/schema';
import type { ManualClock } from '@keyhole/api/internal/lib/clock';
import { idempotencyScope } from '@keyhole/api/internal/services/idempotency/idempotent-request';
import { trpcRequest } from '@keyhole/testing/http';
import { and, count, eq, isNull, lt, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrgWithAdmin } from '../keys/key-test-helpers';
import { tableFingerprint } from '../security/db-fingerprint';
import { expectNoSecretsLeaked } from '../security/secret-hygiene';
import { seedUser } from '../support/seed';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';

/**
 * SPEC §9 "Database faults": a mutation sent with an `Idempotency-Key` has one effect however often
 * it is sent within 24 hours, over real HTTP, on the fast and the stock tRPC paths alike.
 */

const SESSION_LIMIT = 30;
let app: TestApp;
const answeredSecrets = new Set<string>();
const servers: Record<'fast' | 'stock', Awaited<ReturnType<typeof startTestServer>>> = {} as never;

beforeAll(async () => {
  app = await createTestApp({
    env: { KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: String(SESSION_LIMIT) },
  });
  servers.fast = await startTestServer(app);
  servers.stock = await (await import('../../src/http/http-server')).startHttpServer(app.deps, {
    host: '127.0.0.1',
    port: 0,
    adapter: 'stock',
  });
});
afterAll(async () => {
  await servers.fast?.close();
  await servers.stock?.close();
  await app?.close();
});

interface Answer {
  status: number;
  text: string;
  headers: Headers;
  data: unknown;
  reason: string | undefined;
}

async function send(
  base: string,
  path: string,
  opts: { cookie: string; key?: string; body?: unknown; method?: 'GET' | 'POST'; query?: string },
): Promise<Answer> {
  const res = await trpcRequest(base, {
    method: opts.method ?? 'POST',
    path: `${path}${opts.query ?? ''}`,
    headers: {
      cookie: opts.cookie,
      'content-type': 'application/json',
      ...(opts.key === undefined ? {} : { 'idempotency-key': opts.key }),
    },
    ...(opts.method === 'GET' ? {} : { body: JSON.stringify(opts.body ?? {}) }),
  });
  const { text } = res;
  for (const secret of text.match(/"secret":"([^"]+)"/g) ?? []) answeredSecrets.add(secret.slice(10, -1));
  const json = JSON.parse(text) as { result?: { data: unknown }; error?: { data?: { reason?: string } } };
  return {
    status: res.status,
    text,
    headers: res.headers,
    data: json.result?.data,
    reason: json.error?.data?.reason,
  };
}

async function admin() {
  const { org, admin } = await newOrgWithAdmin(app);
  return { org, admin, cookie: await sessionCookieHeader(app, admin.id) };
}

async function liveKeys(orgId: string, name?: string) {
  const [row] = await app.deps.db
    .select({ n: count() })
    .from(apiKeys)
    .where(
      and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt), name ? eq(apiKeys.name, name) : undefined),
    );
  return row!.n;
}

async function auditCount(orgId: string, action: string) {
  const [row] = await app.deps.db
    .select({ n: count() })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
  return row!.n;
}

const keyInput = (name: string) => ({ name, scope: 'org_limited' });

describe.each(['fast', 'stock'] as const)('keys.create with an Idempotency-Key (%s path)', (path) => {
  const base = () => servers[path].url;

  it('answers a repeat with the first answer, byte for byte, and no second key, audit row or budget', async () => {
    const { org, cookie } = await admin();
    const first = await send(base(), 'keys.create', { cookie, key: 'create-1', body: keyInput('Zap') });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    for (let i = 0; i < SESSION_LIMIT + 2; i++) {
      const again = await send(base(), 'keys.create', { cookie, key: 'create-1', body: keyInput('Zap') });
      expect(again.status).toBe(200);
      expect(again.text).toBe(first.text);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(Number(again.headers.get('x-ratelimit-remaining'))).toBe(remaining);
    }
    expect(await liveKeys(org.id, 'Zap')).toBe(1);
    expect(await auditCount(org.id, 'key.created')).toBe(1);
    // The key string replayed is the live one.
    const secret = (first.data as { secret: string }).secret;
    const who = await fetch(`${base()}/trpc/whoami`, { headers: { authorization: `Bearer ${secret}` } });
    expect(who.status).toBe(200);
    // The stored answer holds no key string.
    const rows = await app.deps.db.select().from(idempotencyRecords);
    expect(JSON.stringify(rows.map((r) => r.answer))).not.toContain(secret.split(':')[1]);
  });

  it('refuses the same key with other input, and a batch or a malformed header, with no effect', async () => {
    const { org, cookie } = await admin();
    expect((await send(base(), 'keys.create', { cookie, key: 'k', body: keyInput('A') })).status).toBe(200);
    const other = await send(base(), 'keys.create', { cookie, key: 'k', body: keyInput('B') });
    expect([other.status, other.reason]).toEqual([409, 'idempotency_key_reused']);

    const batch = await send(base(), 'keys.create', {
      cookie,
      key: 'batched',
      query: '?batch=1',
      body: { 0: keyInput('C') },
    });
    expect([batch.status, batch.reason]).toEqual([400, 'idempotency_key_in_batch']);
    for (const bad of ['x'.repeat(256), 'naïve']) {
      const refused = await send(base(), 'keys.create', { cookie, key: bad, body: keyInput('D') });
      expect([refused.status, refused.reason]).toEqual([400, 'idempotency_key_invalid']);
      expect(JSON.parse(refused.text).error.message).toContain('Idempotency-Key');
    }
    expect(
      (await send(base(), 'keys.create', { cookie, key: 'x'.repeat(255), body: keyInput('E') })).status,
    ).toBe(200);
    // Two header lines (fetch would merge them into one): node:http sends an array as several.
    const twice = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${base()}/trpc/keys.create`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'idempotency-key': ['one', 'two'] },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(keyInput('F')));
    });
    expect([twice.status, JSON.parse(twice.body).error.data.reason]).toEqual([
      400,
      'idempotency_key_invalid',
    ]);
    expect(await liveKeys(org.id)).toBe(2);
  });

  it('answers idempotency_key_stale once the key returned was regenerated or revoked', async () => {
    const { cookie } = await admin();
    const created = await send(base(), 'keys.create', { cookie, key: 'stale-1', body: keyInput('R') });
    const id = (created.data as { key: { id: string } }).key.id;
    const regen = await send(base(), 'keys.regenerate', { cookie, key: 'regen-1', body: { id } });
    expect(regen.status).toBe(200);
    const afterRegen = await send(base(), 'keys.create', { cookie, key: 'stale-1', body: keyInput('R') });
    expect([afterRegen.status, afterRegen.reason]).toEqual([409, 'idempotency_key_stale']);
    // The regenerate's own repeat still hands back its (current) secret.
    expect((await send(base(), 'keys.regenerate', { cookie, key: 'regen-1', body: { id } })).text).toBe(
      regen.text,
    );
    expect((await send(base(), 'keys.revoke', { cookie, body: { id } })).status).toBe(200);
    const afterRevoke = await send(base(), 'keys.regenerate', { cookie, key: 'regen-1', body: { id } });
    expect([afterRevoke.status, afterRevoke.reason]).toEqual([409, 'idempotency_key_stale']);
  });
});

describe('Idempotency-Key scope, window and limits', () => {
  const base = () => servers.fast.url;

  it('replays a create past the 10-key limit, which a new create hits', async () => {
    const { org, cookie } = await admin();
    for (let i = 0; i < 9; i++) await send(base(), 'keys.create', { cookie, body: keyInput(`k${i}`) });
    const tenth = await send(base(), 'keys.create', { cookie, key: 'tenth', body: keyInput('tenth') });
    expect(tenth.status).toBe(200);
    const eleventh = await send(base(), 'keys.create', {
      cookie,
      key: 'eleventh',
      body: keyInput('eleventh'),
    });
    expect(eleventh.reason).toBe('key_limit_reached');
    expect((await send(base(), 'keys.create', { cookie, key: 'tenth', body: keyInput('tenth') })).text).toBe(
      tenth.text,
    );
    // The refused create left no record: once a slot is free, the same key simply runs.
    const firstId = (tenth.data as { key: { id: string } }).key.id;
    await send(base(), 'keys.revoke', { cookie, body: { id: firstId } });
    const retried = await send(base(), 'keys.create', {
      cookie,
      key: 'eleventh',
      body: keyInput('eleventh'),
    });
    expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(await liveKeys(org.id)).toBe(10);
  });

  it('keeps the scopes of two callers and of two procedures apart', async () => {
    const { org, cookie } = await admin();
    const other = await seedUser(app.deps.db, { orgId: org.id, role: 'admin' });
    const otherCookie = await sessionCookieHeader(app, other.id);
    const a = await send(base(), 'keys.create', { cookie, key: 'shared', body: keyInput('same') });
    const b = await send(base(), 'keys.create', {
      cookie: otherCookie,
      key: 'shared',
      body: keyInput('same'),
    });
    expect([a.status, b.status, b.headers.get('idempotent-replayed')]).toEqual([200, 200, null]);
    expect(a.text).not.toBe(b.text);
    const id = (a.data as { key: { id: string } }).key.id;
    const renamed = await send(base(), 'keys.rename', {
      cookie,
      key: 'shared',
      body: { id, name: 'renamed' },
    });
    expect(renamed.status).toBe(200);
    expect(await liveKeys(org.id, 'same')).toBe(1);
  });

  it('starts a new request with the same key after 24 hours', async () => {
    const { org, admin: user, cookie } = await admin();
    const clock = app.clock as ManualClock;
    await send(base(), 'keys.create', { cookie, key: 'daily', body: keyInput('daily') });
    clock.advance(24 * 60 * 60 * 1000 - 1);
    // A day on, the first session's password is past step-up (SPEC §5): the admin signs in again. The
    // key's scope is the user, not the session, so the new session meets the same record.
    const signedInAgain = await sessionCookieHeader(app, user.id);
    const within = await send(base(), 'keys.create', {
      cookie: signedInAgain,
      key: 'daily',
      body: keyInput('daily'),
    });
    expect(within.headers.get('idempotent-replayed')).toBe('true');
    clock.advance(2);
    const expired = async () => {
      const cutoff = new Date(clock.now().getTime() - 24 * 60 * 60 * 1000);
      const [row] = await app.deps.db
        .select({ n: count() })
        .from(idempotencyRecords)
        .where(lt(idempotencyRecords.createdAt, cutoff));
      return row!.n;
    };
    const expiredBefore = await expired();
    expect(expiredBefore).toBeGreaterThan(1);
    const later = await send(base(), 'keys.create', {
      cookie: await sessionCookieHeader(app, user.id),
      key: 'daily',
      body: keyInput('daily'),
    });
    expect([later.status, later.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(await liveKeys(org.id, 'daily')).toBe(2);
    // Its own old row was replaced, and the write took up to 10 other expired rows with it.
    expect(await expired()).toBe(Math.max(0, expiredBefore - 1 - 10));
  });

  it('replays a password change whose current password is no longer the current one', async () => {
    const { org } = await newOrgWithAdmin(app);
    const user = await seedUser(app.deps.db, {
      orgId: org.id,
      passwordHash: await app.deps.passwords.hash('old password 123', app.deps.config.passwordCost),
    });
    const cookie = await sessionCookieHeader(app, user.id);
    const body = { currentPassword: 'old password 123', newPassword: 'new password 456' };
    const first = await send(base(), 'auth.changePassword', { cookie, key: 'pw', body });
    expect(first.status).toBe(200);
    const again = await send(base(), 'auth.changePassword', { cookie, key: 'pw', body });
    expect([again.status, again.text, again.headers.get('idempotent-replayed')]).toEqual([
      200,
      first.text,
      'true',
    ]);
    expect(await auditCount(org.id, 'member.password_changed')).toBe(1);
  });

  it('refuses the header where no caller scopes it, and ignores it on queries', async () => {
    const { cookie } = await admin();
    const signIn = await send(base(), 'auth.signIn', {
      cookie: '',
      key: 'k',
      body: { email: 'nobody@example.test', password: 'whatever whatever' },
    });
    expect([signIn.status, signIn.reason]).toEqual([400, 'idempotency_key_invalid']);
    const list = await send(base(), 'keys.list', { cookie, key: 'k', method: 'GET' });
    expect(list.status).toBe(200);
  });

  it('never runs concurrent twins twice: one answer, replays or idempotency_in_progress', async () => {
    const { org, cookie } = await admin();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        send(base(), 'keys.create', { cookie, key: 'twins', body: keyInput('twin') }),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((a) => a.text)).size).toBe(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect([a.status, a.reason]).toEqual([409, 'idempotency_in_progress']);
    }
    expect(await liveKeys(org.id, 'twin')).toBe(1);
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'answers idempotency_in_progress while another transaction holds the request (PostgreSQL)',
    async () => {
      const { admin: who, cookie } = await admin();
      const scope = idempotencyScope(app.deps, { kind: 'user', id: who.id }, 'keys.create', 'held');
      const id = scope.readBigInt64BE(0).toString();
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = app.deps.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`select pg_advisory_xact_lock(${id}::bigint)`));
        locked();
        await released;
      });
      await isLocked;
      const busy = await send(base(), 'keys.create', { cookie, key: 'held', body: keyInput('held') });
      release();
      await holder;
      expect([busy.status, busy.reason]).toEqual([409, 'idempotency_in_progress']);
      const after = await send(base(), 'keys.create', { cookie, key: 'held', body: keyInput('held') });
      expect(after.status).toBe(200);
    },
  );
});

describe('every mutation with a caller', () => {
  it('answers a repeat from its record, writing nothing at all', async () => {
    const base = servers.fast.url;
    const { org, cookie } = await admin();
    const member = await seedUser(app.deps.db, { orgId: org.id });
    const created = await send(base, 'keys.create', { cookie, body: keyInput('every') });
    const keyId = (created.data as { key: { id: string } }).key.id;
    const meeting = await send(base, 'meetings.create', {
      cookie,
      body: { subject: 'Plan', startAt: '2026-02-01T10:00:00Z', endAt: '2026-02-01T11:00:00Z' },
    });
    const meetingId = (meeting.data as { id: string }).id;
    const calls: [string, unknown][] = [
      ['keys.create', keyInput('every 2')],
      ['keys.rename', { id: keyId, name: 'every renamed' }],
      ['keys.reveal', { id: keyId }],
      ['keys.regenerate', { id: keyId }],
      [
        'members.add',
        { email: 'new.member@example.test', name: 'New', role: 'member', password: 'a long enough password' },
      ],
      ['members.setRole', { userId: member.id, role: 'admin' }],
      ['members.setStatus', { userId: member.id, status: 'deactivated' }],
      ['org.updateSettings', { allowKeyReveal: false }],
      [
        'meetings.create',
        { subject: 'Once', startAt: '2026-02-02T10:00:00Z', endAt: '2026-02-02T11:00:00Z' },
      ],
      ['meetings.update', { id: meetingId, subject: 'Renamed once' }],
      ['keys.revoke', { id: keyId }],
    ];
    for (const [procedure, body] of calls) {
      const key = `every-${procedure}`;
      const first = await send(base, procedure, { cookie, key, body });
      expect(first.status, `${procedure}: ${first.text}`).toBe(200);
      const before = await tableFingerprint(app.database);
      const again = await send(base, procedure, { cookie, key, body });
      expect(again.headers.get('idempotent-replayed'), procedure).toBe('true');
      expect(again.text, procedure).toBe(first.text);
      expect(await tableFingerprint(app.database), procedure).toEqual(before);
    }
  });
});

describe('what the records keep', () => {
  it('holds no key string, secret or password, in any table or log line', async () => {
    expect(answeredSecrets.size).toBeGreaterThan(10);
    const report = await expectNoSecretsLeaked({
      database: app.database,
      secrets: answeredSecrets,
      passwords: ['old password 123', 'new password 456'],
      texts: { logs: app.logs.lines },
    });
    expect(report.tableRows).toBeGreaterThan(0);
  });
});
