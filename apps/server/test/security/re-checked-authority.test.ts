import { request } from 'node:http';
import type { KeyAuthority } from '@keyhole/api/internal/auth/authority';
import { hashKeySecret } from '@keyhole/api/internal/auth/key-secrets';
import { lockActor } from '@keyhole/api/internal/auth/lock-actor';
import { hashSessionToken } from '@keyhole/api/internal/auth/session-token';
import { apiKeys, auditEvents, meetings, orgs, sessions } from '@keyhole/api/internal/db/schema';
import type { ManualClock } from '@keyhole/api/internal/lib/clock';
import { hashPassword } from '@keyhole/api/internal/lib/password';
import { signOut } from '@keyhole/api/internal/services/accounts/sign-out';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { regenerateKey } from '@keyhole/api/internal/services/keys/regenerate-key';
import { revokeKey } from '@keyhole/api/internal/services/keys/revoke-key';
import { httpMutation } from '@keyhole/testing/http';
import { and, count, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHttpServer } from '../../src/http/http-server';
import { createKeyFor, keyRequest } from '../support/keys';
import { seedOrg, seedUser } from '../support/seed';
import { sessionCookieHeader } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { isPostgres } from '../support/test-database';

/**
 * SPEC §9 "Re-checked authority" (issue 12, finding 3). The caller is resolved from the headers,
 * before the body arrives; a request held there while its admin is deactivated or demoted, signs
 * out or changes password, must then fail exactly as a fresh request with the same cookie fails,
 * and change nothing. Held over a real socket: headers (Content-Length set) now, body later.
 */

// A pause inside a use case's transaction, just before its audit event is written (its locks held).
const auditHook = vi.hoisted(() => ({ before: null as null | ((action: string) => Promise<void>) }));
vi.mock('@keyhole/api/internal/services/audit/record-audit', async (importOriginal) => {
  const original = await importOriginal<typeof import('@keyhole/api/internal/services/audit/record-audit')>();
  return {
    ...original,
    recordAudit: async (...args: Parameters<typeof original.recordAudit>) => {
      await auditHook.before?.(args[1].action);
      return original.recordAudit(...args);
    },
  };
});

const PASSWORD = 'correct horse battery staple';
let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
// The stock adapter resolves the caller before it reads the body (the fast path waits for the whole
// body of a mutation first), so a request held there is the one whose authority can go stale.
let stockServer: Awaited<ReturnType<typeof startHttpServer>>;

beforeAll(async () => {
  app = await createTestApp({ env: { KEYHOLE_LOG_LEVEL: 'info' } });
  server = await startTestServer(app);
  stockServer = await startHttpServer(app.deps, { host: '127.0.0.1', port: 0, adapter: 'stock' });
});
afterAll(async () => {
  await server?.close();
  await stockServer?.close();
  await app?.close();
});

interface Answer {
  status: number;
  body: {
    result?: { data: unknown };
    error?: { message: string; data: { code: string; reason?: string } };
  };
}

/**
 * Sends the request line and headers of `POST /trpc/<path>` at once and the body only when
 * `release()` is called. Resolves `ready` once the server has read the session for it (the
 * caller is resolved), so whatever the test does next happens while the request is in flight.
 */
function heldMutation(path: string, input: unknown, cookie: string) {
  const body = JSON.stringify(input);
  let sawSession!: () => void;
  const sessionRead = new Promise<void>((resolve) => {
    sawSession = resolve;
  });
  const stop = app.database.onStatement((sql) => {
    if (/from "sessions"/i.test(sql)) sawSession();
  });
  const req = request(`${stockServer.url}/trpc/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      cookie,
    },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  // The statement is sent first; give its answer a moment to come back and the handler to reach the body.
  const ready = sessionRead.then(() => new Promise((r) => setTimeout(r, 100))).finally(stop);
  return {
    ready,
    release: async () => {
      req.end(body);
      return answer;
    },
  };
}

async function post(path: string, input: unknown, cookie: string): Promise<Answer> {
  const res = await httpMutation(server.url, path, input, { cookie });
  return { status: res.status, body: JSON.parse(res.text) as Answer['body'] };
}

async function ok(path: string, input: unknown, cookie: string) {
  const a = await post(path, input, cookie);
  expect(a.status, JSON.stringify(a.body)).toBe(200);
  return a.body.result!.data;
}

/** An org with two active admins (A acts, B intervenes) who can sign in with PASSWORD, and one key. */
async function world() {
  const org = await seedOrg(app.deps.db, { allowKeyReveal: true });
  const passwordHash = await hashPassword(PASSWORD, app.deps.config.passwordCost);
  const a = await seedUser(app.deps.db, { orgId: org.id, role: 'admin', passwordHash });
  const b = await seedUser(app.deps.db, { orgId: org.id, role: 'admin', passwordHash });
  const key = await createKeyFor(app, { adminUserId: a.id, scope: 'org_limited', name: 'Original' });
  return {
    org,
    a,
    b,
    key,
    cookieA: await sessionCookieHeader(app, a.id),
    cookieB: await sessionCookieHeader(app, b.id),
  };
}
type World = Awaited<ReturnType<typeof world>>;

const interventions: Record<string, { expect: [number, string, string?]; run: (w: World) => Promise<void> }> =
  {
    'deactivated by another admin': {
      expect: [401, 'UNAUTHORIZED'],
      run: async (w) => {
        await ok('members.setStatus', { userId: w.a.id, status: 'deactivated' }, w.cookieB);
      },
    },
    'demoted by another admin': {
      expect: [403, 'FORBIDDEN', 'admin_required'],
      run: async (w) => {
        await ok('members.setRole', { userId: w.a.id, role: 'member' }, w.cookieB);
      },
    },
    'signed out': {
      expect: [401, 'UNAUTHORIZED'],
      run: async (w) => {
        await ok('auth.signOut', undefined, w.cookieA);
      },
    },
    'password changed in another session': {
      expect: [401, 'UNAUTHORIZED'],
      run: async (w) => {
        const other = await sessionCookieHeader(app, w.a.id);
        await ok('auth.changePassword', { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` }, other);
      },
    },
  };

const keyCount = async (orgId: string) =>
  Number((await app.deps.db.select({ n: count() }).from(apiKeys).where(eq(apiKeys.orgId, orgId)))[0]!.n);

const keyRow = async (id: string) => (await app.deps.db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0]!;

const eventsOf = async (orgId: string, action: string) =>
  (
    await app.deps.db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)))
  ).length;

/** Holds `path`, runs the intervention, releases, and checks the answer is the fresh request's. */
async function heldAgainst(
  w: World,
  path: string,
  input: unknown,
  intervention: (typeof interventions)[string],
) {
  const held = heldMutation(path, input, w.cookieA);
  await held.ready;
  await intervention.run(w);
  const late = await held.release();
  const fresh = await post(path, input, w.cookieA);
  const [status, code, reason] = intervention.expect;
  expect(late.status, JSON.stringify(late.body)).toBe(status);
  expect(late.body.error?.data.code).toBe(code);
  expect(late.body.error?.data.reason).toBe(reason);
  // Exactly as a new request fails: same status, code, reason and message.
  expect(late).toEqual(fresh);
  return late;
}

const keyProcedures: Record<
  string,
  {
    input: (w: World) => unknown;
    unchanged: (w: World, before: Awaited<ReturnType<typeof keyRow>>) => Promise<void>;
  }
> = {
  'keys.create': {
    input: () => ({ name: 'Minted late', scope: 'org_full' }),
    unchanged: async (w) => {
      expect(await keyCount(w.org.id)).toBe(1);
      expect(await eventsOf(w.org.id, 'key.created')).toBe(1);
    },
  },
  'keys.rename': {
    input: (w) => ({ id: w.key.id, name: 'Renamed late' }),
    unchanged: async (w) => {
      expect((await keyRow(w.key.id)).name).toBe('Original');
      expect(await eventsOf(w.org.id, 'key.renamed')).toBe(0);
    },
  },
  'keys.regenerate': {
    input: (w) => ({ id: w.key.id }),
    unchanged: async (w, before) => {
      expect(Buffer.from((await keyRow(w.key.id)).secretHash!)).toEqual(Buffer.from(before.secretHash!));
      expect(await eventsOf(w.org.id, 'key.regenerated')).toBe(0);
    },
  },
  'keys.reveal': {
    input: (w) => ({ id: w.key.id }),
    unchanged: async (w) => {
      expect(await eventsOf(w.org.id, 'key.revealed')).toBe(0);
    },
  },
  'keys.revoke': {
    input: (w) => ({ id: w.key.id }),
    unchanged: async (w) => {
      expect((await keyRow(w.key.id)).revokedAt).toBeNull();
      expect(await eventsOf(w.org.id, 'key.revoked')).toBe(0);
    },
  },
};

describe('a held key mutation fails like a new request once its admin lost authority (HTTP, real socket)', () => {
  for (const [path, proc] of Object.entries(keyProcedures)) {
    for (const [what, intervention] of Object.entries(interventions)) {
      // Every procedure × deactivation; keys.create against every intervention.
      if (path !== 'keys.create' && what !== 'deactivated by another admin') continue;
      it(`${path}: admin ${what} while the body is on its way → ${intervention.expect.slice(0, 2).join(' ')}`, async () => {
        const w = await world();
        const before = await keyRow(w.key.id);
        const late = await heldAgainst(w, path, proc.input(w), intervention);
        expect(JSON.stringify(late.body)).not.toContain('secret');
        await proc.unchanged(w, before);
      });
    }
  }
});

describe('other mutations re-check their caller too (HTTP, real socket)', () => {
  it('members.setRole: admin deactivated while held → 401, nobody promoted', async () => {
    const w = await world();
    const member = await seedUser(app.deps.db, { orgId: w.org.id, role: 'member' });
    await heldAgainst(
      w,
      'members.setRole',
      { userId: member.id, role: 'admin' },
      interventions['deactivated by another admin']!,
    );
    expect(await eventsOf(w.org.id, 'member.role_changed')).toBe(0);
  });

  it('members.add: admin demoted while held → 403 admin_required, nobody added', async () => {
    const w = await world();
    const email = `late-${w.org.id.slice(0, 8)}@example.test`;
    await heldAgainst(
      w,
      'members.add',
      { email, name: 'Late', role: 'admin', password: PASSWORD },
      interventions['demoted by another admin']!,
    );
    expect(await eventsOf(w.org.id, 'member.added')).toBe(0);
  });

  it('org.updateSettings: admin demoted while held → 403 admin_required, settings unchanged', async () => {
    const w = await world();
    await heldAgainst(
      w,
      'org.updateSettings',
      { allowKeyReveal: false },
      interventions['demoted by another admin']!,
    );
    const [org] = await app.deps.db.select().from(orgs).where(eq(orgs.id, w.org.id));
    expect(org!.allowKeyReveal).toBe(true);
  });

  it('meetings.create: session signed out while held → 401, no meeting', async () => {
    const w = await world();
    await heldAgainst(
      w,
      'meetings.create',
      { subject: 'Late', startAt: '2026-01-01T10:00:00Z', endAt: '2026-01-01T11:00:00Z' },
      interventions['signed out']!,
    );
    const rows = await app.deps.db.select().from(meetings).where(eq(meetings.orgId, w.org.id));
    expect(rows).toHaveLength(0);
  });

  it('meetings.update: host deactivated while held → 401, meeting unchanged', async () => {
    const w = await world();
    const m = (await ok(
      'meetings.create',
      { subject: 'Kept', startAt: '2026-01-01T10:00:00Z', endAt: '2026-01-01T11:00:00Z' },
      w.cookieA,
    )) as { id: string };
    await heldAgainst(
      w,
      'meetings.update',
      { id: m.id, subject: 'Changed late' },
      interventions['deactivated by another admin']!,
    );
    const [row] = await app.deps.db.select().from(meetings).where(eq(meetings.id, m.id));
    expect(row!.subject).toBe('Kept');
  });

  it('auth.changePassword: signed out while held → 401, password unchanged', async () => {
    const w = await world();
    await heldAgainst(
      w,
      'auth.changePassword',
      { currentPassword: PASSWORD, newPassword: 'a brand new password' },
      interventions['signed out']!,
    );
    expect(await eventsOf(w.org.id, 'member.password_changed')).toBe(0);
  });

  it('auth.signOut of a session that ended meanwhile is refused as a new request is (401)', async () => {
    // signOut takes no input, so it never waits for a body: the window is the one between reading
    // the session and deleting it, closed by deleting only a session that still exists.
    const w = await world();
    const token = w.cookieA.slice(w.cookieA.indexOf('=') + 1);
    const [session] = await app.deps.db
      .select()
      .from(sessions)
      .where(eq(sessions.tokenHash, hashSessionToken(token)));
    await ok('auth.signOut', undefined, w.cookieA);
    const fresh = await post('auth.signOut', {}, w.cookieA);
    expect(fresh.status).toBe(401);
    const late = await signOut(app.deps.db, session!.id).then(
      () => null,
      (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
    );
    expect(late).toEqual({ code: fresh.body.error!.data.code, message: fresh.body.error!.message });
  });
});

describe('lockActor with a key (no key-authenticated mutation exists yet: checked directly)', () => {
  /** The errors a fresh `whoami` with the key gets, and lockActor's, side by side. */
  async function both(keyString: string, authority: KeyAuthority) {
    const fresh = await app
      .caller(keyRequest(keyString))
      .whoami()
      .then(
        () => null,
        (e: { code: string; message: string; cause?: { reason?: string } }) => ({
          code: e.code,
          message: e.message,
          reason: e.cause?.reason,
        }),
      );
    const locked = await app.deps.db
      .transaction((tx) => lockActor(tx, authority, app.deps.clock.now()))
      .then(
        () => null,
        (e: { code: string; message: string; reason?: string }) => ({
          code: e.code,
          message: e.message,
          reason: e.reason,
        }),
      );
    return { fresh, locked };
  }
  const authorityOf = (key: { id: string; keyString: string }, orgId: string): KeyAuthority => ({
    kind: 'key',
    keyId: key.id,
    orgId,
    secretHash: hashKeySecret(app.deps.keyring, key.keyString.split(':')[1]!),
  });

  it('a live key passes; revoked, regenerated, or its user deactivated fail as a new request would', async () => {
    const w = await world();
    const member = await seedUser(app.deps.db, { orgId: w.org.id, role: 'member' });
    const system = systemActor(w.org.id);

    const live = await createKeyFor(app, { adminUserId: w.a.id, scope: 'org_full' });
    expect(await both(live.keyString, authorityOf(live, w.org.id))).toEqual({ fresh: null, locked: null });

    await revokeKey(app.deps, system, { id: live.id });
    const revoked = await both(live.keyString, authorityOf(live, w.org.id));
    expect(revoked.locked).toMatchObject({ code: 'UNAUTHORIZED', reason: 'invalid_key' });
    expect(revoked.locked).toEqual(revoked.fresh);

    const regen = await createKeyFor(app, { adminUserId: w.a.id, scope: 'org_full' });
    await regenerateKey(app.deps, system, { id: regen.id });
    const replaced = await both(regen.keyString, authorityOf(regen, w.org.id));
    expect(replaced.locked).toMatchObject({ code: 'UNAUTHORIZED', reason: 'invalid_key' });
    expect(replaced.locked).toEqual(replaced.fresh);

    const userKey = await createKeyFor(app, {
      adminUserId: w.a.id,
      scope: 'user_full',
      issuedToUserId: member.id,
    });
    expect(await both(userKey.keyString, authorityOf(userKey, w.org.id))).toEqual({
      fresh: null,
      locked: null,
    });
    await ok('members.setStatus', { userId: member.id, status: 'deactivated' }, w.cookieB);
    const deactivated = await both(userKey.keyString, authorityOf(userKey, w.org.id));
    expect(deactivated.locked).toMatchObject({ code: 'FORBIDDEN', reason: 'key_user_deactivated' });
    expect(deactivated.locked).toEqual(deactivated.fresh);

    const expiring = await createKeyFor(app, {
      adminUserId: w.a.id,
      scope: 'org_full',
      expiresAt: new Date(app.deps.clock.now().getTime() + 60_000),
    });
    (app.clock as ManualClock).advance(120_000);
    const expired = await both(expiring.keyString, authorityOf(expiring, w.org.id));
    expect(expired.locked).toMatchObject({ code: 'UNAUTHORIZED', reason: 'key_expired' });
    expect(expired.locked).toEqual(expired.fresh);
  });
});

describe.runIf(isPostgres())('no serialisation of an org’s writes (PostgreSQL)', () => {
  it('two admins rename keys of one org at once: neither waits, and the org row stays free', async () => {
    const w = await world();
    const keyB = await createKeyFor(app, { adminUserId: w.b.id, scope: 'org_full', name: 'B original' });
    // Hold the first transaction that starts open at its end, locks taken, until the test lets go.
    let letGo!: () => void;
    const gate = new Promise<void>((r) => {
      letGo = r;
    });
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    const db = app.deps.db;
    const original = db.transaction;
    let first = true;
    db.transaction = ((fn: (tx: unknown) => Promise<unknown>, config?: unknown) =>
      original.call(
        db,
        async (tx) => {
          const result = await fn(tx);
          if (first) {
            first = false;
            entered();
            await gate;
          }
          return result;
        },
        config as never,
      )) as typeof original;
    const other = postgres((app.database as { url?: string }).url!, { max: 1, onnotice: () => {} });
    try {
      const renameA = post('keys.rename', { id: w.key.id, name: 'A renamed' }, w.cookieA);
      await inside;
      // A's rename is open, its locks held; B's rename in the same org completes meanwhile.
      const started = Date.now();
      const renameB = await post('keys.rename', { id: keyB.id, name: 'B renamed' }, w.cookieB);
      expect(renameB.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      // Nobody holds the org row beyond the FK checks' KEY SHARE (the audit insert): another
      // connection takes it FOR NO KEY UPDATE (which FOR SHARE or FOR UPDATE would block) at once...
      const orgRow = await other.begin(
        (sql) => sql`select id from orgs where id = ${w.org.id} for no key update nowait`,
      );
      expect(orgRow).toHaveLength(1);
      // ...while A's own user row is held (FOR SHARE): deactivating A now would wait for the rename.
      const userRow = await other
        .begin((sql) => sql`select id from users where id = ${w.a.id} for update nowait`)
        .then(
          () => 'free',
          (e: { code?: string }) => e.code,
        );
      expect(userRow).toBe('55P03');
      letGo();
      expect((await renameA).status).toBe(200);
      expect((await keyRow(w.key.id)).name).toBe('A renamed');
    } finally {
      letGo();
      db.transaction = original;
      await other.end();
    }
  });

  it('a deactivation arriving mid-transaction waits for the in-flight rename, then applies: no deadlock', async () => {
    const w = await world();
    let letGo!: () => void;
    const gate = new Promise<void>((r) => {
      letGo = r;
    });
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    auditHook.before = async (action) => {
      if (action !== 'key.renamed') return;
      auditHook.before = null;
      entered();
      await gate;
    };
    try {
      // A's rename holds A's rows FOR SHARE and the key FOR UPDATE; its audit insert is still to come.
      const renameA = post('keys.rename', { id: w.key.id, name: 'A renamed' }, w.cookieA);
      await inside;
      // B takes the org row and then must wait for A's user row...
      const deactivate = post('members.setStatus', { userId: w.a.id, status: 'deactivated' }, w.cookieB);
      const early = await Promise.race([
        deactivate.then(() => 'finished'),
        new Promise((r) => setTimeout(() => r('waiting'), 500)),
      ]);
      expect(early).toBe('waiting');
      // ...and A's audit insert (a foreign-key check on the org row) must not wait for B's org lock.
      letGo();
      const [a, b] = await Promise.all([renameA, deactivate]);
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(b.status, JSON.stringify(b.body)).toBe(200);
      expect((await keyRow(w.key.id)).name).toBe('A renamed');
    } finally {
      auditHook.before = null;
      letGo();
    }
  });
});
