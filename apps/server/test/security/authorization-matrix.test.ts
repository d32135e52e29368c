import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE } from '@keyhole/api/internal/auth/session-token';
import { apiKeys } from '@keyhole/api/internal/db/schema';
import { insertEventDeliveries } from '@keyhole/api/internal/db/webhooks/deliveries';
import { deleteSubscription } from '@keyhole/api/internal/db/webhooks/subscriptions';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import { hashPassword } from '@keyhole/api/internal/lib/password';
import {
  meetingOutput,
  meetingPageOutput,
  okOutput,
  restErrorOutput,
  subscribeOutput,
  transcriptOutput,
  webhookListOutput,
  whoamiOutput,
} from '@keyhole/api/internal/rest/outputs';
import { REST_ROUTES } from '@keyhole/api/internal/rest/routes';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { revokeKey } from '@keyhole/api/internal/services/keys/revoke-key';
import type { TrpcEnvelope } from '@keyhole/testing/http';
import { and, eq, isNull } from 'drizzle-orm';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../rest/keyhole-v1.generated';
import { createKeyFor } from '../support/keys';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { expectNoSecretsLeaked } from './secret-hygiene';
import { expectWellFormedAnswer, outcomeOf, randomIp, Wire, type WireResult } from './wire';

/**
 * The authorization matrix: every principal × every procedure (× every meeting class for the
 * procedures that name a meeting), over real HTTP. The expected outcome of each cell is written
 * below, literally, from SPEC §2 (who reads which meeting) and §5 (who calls what); nothing here
 * asks core, so the suite checks core's access rule as much as the API's wiring.
 */

const PASSWORD = 'matrix password 0123456789';
let app: TestApp;
let clock: ManualClock;
let server: Awaited<ReturnType<typeof startTestServer>>;
let wire: Wire;
const minted = new Set<string>();

// ─── The meeting classes, seen from U (the user of the user keys and of the member session) ───
const CLASSES = [
  'hostedPublic', // U hosts it
  'hostedPrivate', // U hosts it, private
  'attendedPublic', // H hosts it, U attends
  'attendedPrivate', // H hosts it, U attends, private
  'otherPublic', // H hosts it, U is not invited (the admin A attends)
  'otherPrivate', // H hosts it, U is not invited (the admin A attends), private
  'otherOrg', // another org's meeting (hosted by that org's admin)
] as const;
type MeetingClass = (typeof CLASSES)[number];

// ─── The principals ───
const PRINCIPALS = [
  'userLimitedKey', // user_limited key issued to U
  'userFullKey', // user_full key issued to U
  'orgLimitedKey',
  'orgFullKey', // org setting orgFullKeysIncludePrivate on
  'orgFullKeySettingOff', // its org has orgFullKeysIncludePrivate off
  'legacyKey',
  'userLimitedKeyOfDeactivatedUser',
  'userFullKeyOfDeactivatedUser',
  'expiredKey', // org_limited, expiresAt passed (ManualClock)
  'revokedKey',
  'regeneratedOldSecretInOverlap', // org_limited, regenerated with a 1 h overlap, old secret
  'regeneratedNewSecret', // the same key's new secret
  'regeneratedOldSecretAfterOverlap', // org_full, regenerated with a 30 s overlap, 61 s ago
  'memberSession', // U
  'adminSession', // A, admin of U's org, hosts nothing
  'otherOrgAdminSession', // admin of another org (hosts the otherOrg meeting)
  'otherOrgKey', // org_full key of the other org
  'noCredentials',
] as const;
type Principal = (typeof PRINCIPALS)[number];

// ─── SPEC §2: which meeting each principal reads. Y = visible, . = NOT_FOUND / not listed ───
//                                        hostedPub hostedPriv attPub attPriv otherPub otherPriv otherOrg
const VISIBLE: Partial<Record<Principal, string>> = {
  userLimitedKey: /*                   */ 'Y . Y . . . .',
  userFullKey: /*                      */ 'Y Y Y . . . .',
  orgLimitedKey: /*                    */ 'Y . Y . Y . .',
  orgFullKey: /*                       */ 'Y Y Y Y Y Y .',
  orgFullKeySettingOff: /*             */ 'Y . Y . Y . .',
  legacyKey: /*                        */ 'Y Y Y Y Y Y .',
  regeneratedOldSecretInOverlap: /*    */ 'Y . Y . Y . .',
  regeneratedNewSecret: /*             */ 'Y . Y . Y . .',
  memberSession: /*                    */ 'Y Y Y . . . .',
  adminSession: /*                     */ '. . . . Y . .',
  otherOrgAdminSession: /*             */ '. . . . . . Y',
  otherOrgKey: /*                      */ '. . . . . . Y',
};

// meetings.update (SPEC §5: session; host only; a visible meeting of another host is FORBIDDEN).
const UPDATE: Partial<Record<Principal, string>> = {
  memberSession: /*        */ 'OK OK host_only NF NF NF NF',
  adminSession: /*         */ 'NF NF NF NF host_only NF NF',
  otherOrgAdminSession: /* */ 'NF NF NF NF NF NF OK',
};

// ─── Principal classes for the procedures that do not name a meeting (SPEC §2, §3, §5) ───
type PrincipalClass =
  | 'KEY' // a usable key, any scope
  | 'KEY_USER_DEACTIVATED'
  | 'KEY_EXPIRED'
  | 'KEY_INVALID' // revoked, or a secret past its overlap
  | 'MEMBER'
  | 'ADMIN'
  | 'OTHER_ORG_ADMIN' // an admin, acting on ids of U's org
  | 'NONE';

const CLASS_OF: Record<Principal, PrincipalClass> = {
  userLimitedKey: 'KEY',
  userFullKey: 'KEY',
  orgLimitedKey: 'KEY',
  orgFullKey: 'KEY',
  orgFullKeySettingOff: 'KEY',
  legacyKey: 'KEY',
  userLimitedKeyOfDeactivatedUser: 'KEY_USER_DEACTIVATED',
  userFullKeyOfDeactivatedUser: 'KEY_USER_DEACTIVATED',
  expiredKey: 'KEY_EXPIRED',
  revokedKey: 'KEY_INVALID',
  regeneratedOldSecretInOverlap: 'KEY',
  regeneratedNewSecret: 'KEY',
  regeneratedOldSecretAfterOverlap: 'KEY_INVALID',
  memberSession: 'MEMBER',
  adminSession: 'ADMIN',
  otherOrgAdminSession: 'OTHER_ORG_ADMIN',
  otherOrgKey: 'KEY',
  noCredentials: 'NONE',
};

const PCLASSES: PrincipalClass[] = [
  'KEY',
  'KEY_USER_DEACTIVATED',
  'KEY_EXPIRED',
  'KEY_INVALID',
  'MEMBER',
  'ADMIN',
  'OTHER_ORG_ADMIN',
  'NONE',
];

// Abbreviations in the table below.
const A = {
  ok: 'OK',
  null: 'OK:null', // auth.me answers null
  user: 'OK:user', // auth.me answers the signed-in user
  ses: 'FORBIDDEN/session_required',
  kud: 'FORBIDDEN/key_user_deactivated',
  exp: 'UNAUTHORIZED/key_expired',
  inv: 'UNAUTHORIZED/invalid_key',
  unauth: 'UNAUTHORIZED',
  adm: 'FORBIDDEN/admin_required',
  keyreq: 'UNAUTHORIZED/key_required',
  nf: 'NOT_FOUND',
} as const;

//                                 KEY     KEY_USER_DEACT KEY_EXPIRED KEY_INVALID MEMBER  ADMIN  OTHER_ORG_ADMIN NONE
const PROCEDURES: Record<string, string> = {
  health:
    /*                   */ 'ok      ok             ok          ok          ok      ok     ok              ok',
  'auth.signUp':
    /*            */ 'ok      ok             ok          ok          ok      ok     ok              ok',
  'auth.signIn':
    /*            */ 'ok      ok             ok          ok          ok      ok     ok              ok',
  'auth.me':
    /*                */ 'null    kud            exp         inv         user    user   user            null',
  'auth.signOut':
    /*           */ 'ses     kud            exp         inv         ok      ok     ok              unauth',
  'auth.confirmPassword':
    /*   */ 'ses     kud            exp         inv         ok      ok     ok              unauth',
  'auth.changePassword':
    /*    */ 'ses     kud            exp         inv         ok      ok     ok              unauth',
  'org.get':
    /*                */ 'ses     kud            exp         inv         ok      ok     ok              unauth',
  'org.admins':
    /*             */ 'ses     kud            exp         inv         ok      ok     ok              unauth',
  'org.updateSettings':
    /*     */ 'ses     kud            exp         inv         adm     ok     ok              unauth',
  'members.list':
    /*           */ 'ses     kud            exp         inv         adm     ok     ok              unauth',
  'members.add':
    /*            */ 'ses     kud            exp         inv         adm     ok     ok              unauth',
  'members.setRole':
    /*        */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'members.setStatus':
    /*      */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'keys.list':
    /*              */ 'ses     kud            exp         inv         adm     ok     ok              unauth',
  'keys.mine':
    /*              */ 'ses     kud            exp         inv         ok      ok     ok              unauth',
  'keys.create':
    /*            */ 'ses     kud            exp         inv         adm     ok     ok              unauth',
  'keys.rename':
    /*            */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'keys.regenerate':
    /*        */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'keys.reveal':
    /*            */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'keys.revoke':
    /*            */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'keys.usage':
    /*             */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'audit.list':
    /*             */ 'ses     kud            exp         inv         adm     ok     ok              unauth',
  'meetings.create':
    /*        */ 'ses     kud            exp         inv         ok      ok     ok              unauth',
  whoami:
    /*                   */ 'ok      kud            exp         inv         keyreq  keyreq keyreq          keyreq',
  // SPEC §11: keys subscribe (any scope); another key's subscription is NOT_FOUND like an unknown id.
  'webhooks.subscribe':
    /*     */ 'ok      kud            exp         inv         keyreq  keyreq keyreq          keyreq',
  'webhooks.list':
    /*          */ 'ok      kud            exp         inv         keyreq  keyreq keyreq          keyreq',
  'webhooks.unsubscribe':
    /*   */ 'nf      kud            exp         inv         keyreq  keyreq keyreq          keyreq',
  'webhooks.listForOrg':
    /*    */ 'ses     kud            exp         inv         adm     ok     ok              unauth',
  'webhooks.setEnabled':
    /*    */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'webhooks.delete':
    /*        */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'webhooks.deliveries':
    /*    */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
  'webhooks.redeliver':
    /*     */ 'ses     kud            exp         inv         adm     ok     nf              unauth',
};

// For the meeting procedures, a principal that is not usable answers as in the table above.
const UNUSABLE: Partial<Record<PrincipalClass, string>> = {
  KEY_USER_DEACTIVATED: A.kud,
  KEY_EXPIRED: A.exp,
  KEY_INVALID: A.inv,
  NONE: A.unauth,
};

function expectedFor(proc: string, p: Principal): string {
  const row = PROCEDURES[proc]!.trim().split(/\s+/);
  return A[row[PCLASSES.indexOf(CLASS_OF[p])] as keyof typeof A];
}

function expectedRead(p: Principal, c: MeetingClass, visible: string, hidden: string): string {
  const unusable = UNUSABLE[CLASS_OF[p]];
  if (unusable) return unusable;
  const row = VISIBLE[p];
  if (!row) throw new Error(`no visibility row for ${p}`);
  return row.split(' ')[CLASSES.indexOf(c)] === 'Y' ? visible : hidden;
}

function expectedUpdate(p: Principal, c: MeetingClass): string {
  const unusable = UNUSABLE[CLASS_OF[p]];
  if (unusable) return unusable;
  // A usable key on meetings.update is a key on a session procedure.
  if (CLASS_OF[p] === 'KEY') return A.ses;
  const cell = UPDATE[p]!.split(' ')[CLASSES.indexOf(c)]!;
  return cell === 'OK' ? 'OK' : cell === 'NF' ? A.nf : `FORBIDDEN/${cell}`;
}

// ─── The world ───
interface World {
  orgId: string;
  u: { id: string; email: string };
  meetings: Record<MeetingClass, string>;
}
let open: World; // U's org: orgFullKeysIncludePrivate on
let closed: World; // the same shape with the setting off
let other: { orgId: string; adminId: string; meetingId: string };
let adminA: { id: string };
let signInUser: { email: string };
let memberTarget: { id: string };
const credentials = new Map<Principal, () => Promise<Record<string, string>>>();
const homeWorld = new Map<Principal, World>();

const bearer = (keyString: string) => ({ authorization: `Bearer ${keyString}` });

/**
 * A session's cookie. `sessionRequest` stands for a sign-in a moment ago, so its password counts as
 * just entered (step-up, SPEC §5); the stale sessions of the step-up table pass an older time.
 */
async function sessionHeaders(
  userId: string,
  passwordEnteredAt?: Date | null,
): Promise<Record<string, string>> {
  const { token } = await sessionRequest(
    app,
    userId,
    passwordEnteredAt === undefined ? {} : { passwordEnteredAt },
  );
  return { cookie: `${SESSION_COOKIE}=${token}` };
}

async function buildWorld(
  orgFullKeysIncludePrivate: boolean,
  passwordHash: string,
): Promise<World & { adminId: string; hostId: string }> {
  const db = app.deps.db;
  const org = await seedOrg(db, { orgFullKeysIncludePrivate });
  const admin = await seedUser(db, { orgId: org.id, role: 'admin', passwordHash });
  const u = await seedUser(db, { orgId: org.id, passwordHash });
  const h = await seedUser(db, { orgId: org.id });
  const att = (x: { id: string; email: string; name: string }) => ({
    email: x.email,
    name: x.name,
    userId: x.id,
  });
  const transcript = [{ speaker: 'S', startSeconds: 0, endSeconds: 1, text: 'words' }];
  const meeting = (hostId: string, isPrivate: boolean, attendees: ReturnType<typeof att>[]) =>
    seedMeeting(db, { orgId: org.id, hostId, isPrivate, attendees, transcript, subject: 'Matrix meeting' });
  const meetings: Record<MeetingClass, string> = {
    hostedPublic: await meeting(u.id, false, []),
    hostedPrivate: await meeting(u.id, true, []),
    attendedPublic: await meeting(h.id, false, [att(u)]),
    attendedPrivate: await meeting(h.id, true, [att(u)]),
    otherPublic: await meeting(h.id, false, [att(admin)]),
    otherPrivate: await meeting(h.id, true, [att(admin)]),
    otherOrg: other.meetingId,
  };
  return { orgId: org.id, u, meetings, adminId: admin.id, hostId: h.id };
}

type KeyOptions = Omit<Parameters<typeof createKeyFor>[1], 'adminUserId'>;

async function key(principal: Principal, world: World, adminId: string, opts: KeyOptions) {
  const k = await createKeyFor(app, { adminUserId: adminId, ...opts });
  minted.add(k.keyString);
  credentials.set(principal, async () => bearer(k.keyString));
  homeWorld.set(principal, world);
  return k;
}

beforeAll(async () => {
  clock = new ManualClock();
  app = await createTestApp({
    clock,
    env: {
      KEYHOLE_TRUST_PROXY: '1', // each request from a random address (X-Forwarded-For)
      KEYHOLE_RATE_LIMIT_PER_MINUTE: '100000',
      KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: '1000000',
      KEYHOLE_SIGNIN_LIMIT_PER_MINUTE: '100000',
      KEYHOLE_LOG_LEVEL: 'trace',
      // Subscriptions to a loopback URL that nothing delivers to.
      KEYHOLE_WEBHOOK_ALLOW_HTTP: 'true',
      KEYHOLE_WEBHOOK_ALLOW_PRIVATE: 'true',
      KEYHOLE_WEBHOOK_WORKERS: '0',
    },
  });
  server = await startTestServer(app);
  wire = new Wire(server.url);
  const db = app.deps.db;
  const passwordHash = await hashPassword(PASSWORD, app.deps.config.passwordCost);

  const otherOrg = await seedOrg(db);
  const otherAdmin = await seedUser(db, { orgId: otherOrg.id, role: 'admin', passwordHash });
  other = {
    orgId: otherOrg.id,
    adminId: otherAdmin.id,
    meetingId: await seedMeeting(db, {
      orgId: otherOrg.id,
      hostId: otherAdmin.id,
      subject: 'Other org meeting',
    }),
  };
  const o = await buildWorld(true, passwordHash);
  const c = await buildWorld(false, passwordHash);
  open = o;
  closed = c;
  adminA = { id: o.adminId };
  memberTarget = await seedUser(db, { orgId: o.orgId });
  const signIn = await seedUser(db, { orgId: o.orgId, passwordHash });
  signInUser = { email: signIn.email };

  // Keys of U's org (7 of its 10 slots stay in use; cells borrow the rest).
  await key('userLimitedKey', open, o.adminId, { scope: 'user_limited', issuedToUserId: o.u.id });
  await key('userFullKey', open, o.adminId, { scope: 'user_full', issuedToUserId: o.u.id });
  await key('orgLimitedKey', open, o.adminId, { scope: 'org_limited' });
  await key('orgFullKey', open, o.adminId, { scope: 'org_full' });
  await key('legacyKey', open, o.adminId, { scope: 'legacy' });
  await key('expiredKey', open, o.adminId, {
    scope: 'org_limited',
    expiresAt: new Date(clock.now().getTime() + 60_000),
  });
  const revoked = await key('revokedKey', open, o.adminId, { scope: 'org_full' });
  await app.caller(await sessionRequest(app, o.adminId)).keys.revoke({ id: revoked.id });
  const regenerated = await key('regeneratedOldSecretInOverlap', open, o.adminId, { scope: 'org_limited' });
  const renewed = await app
    .caller(await sessionRequest(app, o.adminId))
    .keys.regenerate({ id: regenerated.id, previousSecretValidForSeconds: 3600 });
  minted.add(renewed.secret);
  credentials.set('regeneratedNewSecret', async () => bearer(renewed.secret));
  homeWorld.set('regeneratedNewSecret', open);

  // The closed org: its org_full key, keys of a user who is then deactivated, a lapsed overlap.
  await key('orgFullKeySettingOff', closed, c.adminId, { scope: 'org_full' });
  const d = await seedUser(db, { orgId: c.orgId });
  await key('userLimitedKeyOfDeactivatedUser', closed, c.adminId, {
    scope: 'user_limited',
    issuedToUserId: d.id,
  });
  await key('userFullKeyOfDeactivatedUser', closed, c.adminId, { scope: 'user_full', issuedToUserId: d.id });
  await app
    .caller(await sessionRequest(app, c.adminId))
    .members.setStatus({ userId: d.id, status: 'deactivated' });
  const lapsed = await key('regeneratedOldSecretAfterOverlap', closed, c.adminId, { scope: 'org_full' });
  const lapsedNew = await app
    .caller(await sessionRequest(app, c.adminId))
    .keys.regenerate({ id: lapsed.id, previousSecretValidForSeconds: 30 });
  minted.add(lapsedNew.secret);

  await key('otherOrgKey', open, otherAdmin.id, { scope: 'org_full' });
  homeWorld.set('otherOrgKey', open);

  credentials.set('memberSession', () => sessionHeaders(o.u.id));
  credentials.set('adminSession', () => sessionHeaders(o.adminId));
  credentials.set('otherOrgAdminSession', () => sessionHeaders(otherAdmin.id));
  credentials.set('noCredentials', async () => ({}));
  for (const p of ['memberSession', 'adminSession', 'otherOrgAdminSession', 'noCredentials'] as const) {
    homeWorld.set(p, open);
  }

  // 61 s later: the expiring key has expired and the 30 s overlap has ended; the 1 h one has not.
  clock.advance(61_000);
  expect(new Set(credentials.keys())).toEqual(new Set(PRINCIPALS));
}, 120_000);

afterAll(async () => {
  await server?.close();
  await app?.close();
});

// ─── Running cells ───
let cells = 0;
const failures: string[] = [];

function check(label: string, expected: string, actual: string) {
  cells++;
  if (expected !== actual) failures.push(`${label}: expected ${expected}, got ${actual}`);
}

function outcome(r: WireResult, label: string, me = false): string {
  expectWellFormedAnswer(r, label);
  const o = outcomeOf(r);
  if (me && o === 'OK') return (r.json as TrpcEnvelope).result!.data === null ? 'OK:null' : 'OK:user';
  return o;
}

/** A key of U's org for a cell to act on, revoked afterwards if the cell left it. */
async function withTargetKey<T>(fn: (id: string) => Promise<T>): Promise<T> {
  const k = await createKeyFor(app, { adminUserId: adminA.id, scope: 'org_limited', name: 'Matrix target' });
  minted.add(k.keyString);
  try {
    return await fn(k.id);
  } finally {
    await cleanUpKey(k.id, open.orgId);
  }
}

async function cleanUpKey(id: string, orgId: string) {
  const [row] = await app.deps.db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  if (row) {
    await revokeKey(app.deps, systemActor(orgId), { id });
  }
}

// Never contacted: the matrix app runs no delivery workers (KEYHOLE_WEBHOOK_WORKERS=0).
const MATRIX_HOOK_URL = 'http://127.0.0.1:9/matrix-hook';

/**
 * A subscription of a key of U's org, with one delivery, for a cell to act on; removed with its key
 * afterwards (revoking a key deletes its subscriptions).
 */
async function withTargetWebhook<T>(fn: (t: { id: string; deliveryId: string }) => Promise<T>): Promise<T> {
  const k = await createKeyFor(app, {
    adminUserId: adminA.id,
    scope: 'org_limited',
    name: 'Matrix webhook key',
  });
  minted.add(k.keyString);
  try {
    const { subscription } = await app
      .caller(bearer(k.keyString))
      .webhooks.subscribe({ url: MATRIX_HOOK_URL, events: ['meeting.created'] });
    const [deliveryId] = await app.deps.db.transaction((tx) =>
      insertEventDeliveries(tx, {
        orgId: open.orgId,
        meetingId: open.meetings.hostedPublic,
        at: clock.now(),
        fanout: [{ type: 'meeting.created', subscriptionIds: [subscription.id] }],
      }),
    );
    return await fn({ id: subscription.id, deliveryId: deliveryId! });
  } finally {
    await cleanUpKey(k.id, open.orgId);
  }
}

type Act = (headers: Record<string, string>) => Promise<WireResult>;

const ACTS: Record<string, Act> = {
  health: (h) => wire.query('health', undefined, h),
  'auth.signUp': (h) =>
    wire.mutation(
      'auth.signUp',
      {
        orgName: 'Matrix signup',
        name: 'New',
        email: `signup-${randomUUID()}@example.test`,
        password: PASSWORD,
      },
      h,
    ),
  'auth.signIn': (h) => wire.mutation('auth.signIn', { email: signInUser.email, password: PASSWORD }, h),
  'auth.me': (h) => wire.query('auth.me', undefined, h),
  'auth.signOut': (h) => wire.mutation('auth.signOut', undefined, h),
  'auth.confirmPassword': (h) => wire.mutation('auth.confirmPassword', { password: PASSWORD }, h),
  'auth.changePassword': (h) =>
    wire.mutation('auth.changePassword', { currentPassword: PASSWORD, newPassword: PASSWORD }, h),
  'org.get': (h) => wire.query('org.get', undefined, h),
  'org.admins': (h) => wire.query('org.admins', undefined, h),
  'org.updateSettings': (h) => wire.mutation('org.updateSettings', {}, h),
  'members.list': (h) => wire.query('members.list', undefined, h),
  'members.add': (h) =>
    wire.mutation(
      'members.add',
      { email: `added-${randomUUID()}@example.test`, name: 'Added', role: 'member', password: PASSWORD },
      h,
    ),
  'members.setRole': (h) => wire.mutation('members.setRole', { userId: memberTarget.id, role: 'member' }, h),
  'members.setStatus': (h) =>
    wire.mutation('members.setStatus', { userId: memberTarget.id, status: 'active' }, h),
  'keys.list': (h) => wire.query('keys.list', undefined, h),
  'keys.create': async (h) => {
    const r = await wire.mutation('keys.create', { name: 'Matrix create', scope: 'org_limited' }, h);
    const data = (r.json as { result?: { data: { key: { id: string }; secret: string } } }).result?.data;
    if (data) {
      minted.add(data.secret);
      const [row] = await app.deps.db
        .select({ orgId: apiKeys.orgId })
        .from(apiKeys)
        .where(eq(apiKeys.id, data.key.id));
      await cleanUpKey(data.key.id, row!.orgId);
    }
    return r;
  },
  'keys.mine': (h) => wire.query('keys.mine', undefined, h),
  'keys.rename': (h) => withTargetKey((id) => wire.mutation('keys.rename', { id, name: 'Renamed' }, h)),
  'keys.regenerate': (h) =>
    withTargetKey(async (id) => {
      const r = await wire.mutation('keys.regenerate', { id }, h);
      const data = (r.json as { result?: { data: { secret: string } } }).result?.data;
      if (data) minted.add(data.secret);
      return r;
    }),
  'keys.reveal': (h) =>
    withTargetKey(async (id) => {
      const r = await wire.mutation('keys.reveal', { id }, h);
      const data = (r.json as { result?: { data: { secret: string } } }).result?.data;
      if (data) minted.add(data.secret);
      return r;
    }),
  'keys.revoke': (h) => withTargetKey((id) => wire.mutation('keys.revoke', { id }, h)),
  'keys.usage': (h) => withTargetKey((id) => wire.query('keys.usage', { id }, h)),
  'audit.list': (h) => wire.query('audit.list', undefined, h),
  'meetings.create': (h) =>
    wire.mutation(
      'meetings.create',
      { subject: 'Matrix created', startAt: '2026-02-01T10:00:00Z', endAt: '2026-02-01T11:00:00Z' },
      h,
    ),
  whoami: (h) => wire.query('whoami', undefined, h),
  'webhooks.subscribe': async (h) => {
    const r = await wire.mutation(
      'webhooks.subscribe',
      { url: MATRIX_HOOK_URL, events: ['meeting.created'] },
      h,
    );
    const data = (r.json as { result?: { data: { subscription: { id: string } } } }).result?.data;
    if (data) await deleteSubscription(app.deps.db, data.subscription.id);
    return r;
  },
  'webhooks.list': (h) => wire.query('webhooks.list', undefined, h),
  'webhooks.unsubscribe': (h) =>
    withTargetWebhook(({ id }) => wire.mutation('webhooks.unsubscribe', { id }, h)),
  'webhooks.listForOrg': (h) => wire.query('webhooks.listForOrg', undefined, h),
  'webhooks.setEnabled': (h) =>
    withTargetWebhook(({ id }) => wire.mutation('webhooks.setEnabled', { id, enabled: false }, h)),
  'webhooks.delete': (h) => withTargetWebhook(({ id }) => wire.mutation('webhooks.delete', { id }, h)),
  'webhooks.deliveries': (h) => withTargetWebhook(({ id }) => wire.query('webhooks.deliveries', { id }, h)),
  'webhooks.redeliver': (h) =>
    withTargetWebhook(({ deliveryId }) => wire.mutation('webhooks.redeliver', { deliveryId }, h)),
};

const MEETING_PROCEDURES = ['meetings.list', 'meetings.get', 'meetings.transcript', 'meetings.update'];

describe('authorization matrix (HTTP)', () => {
  it('covers every procedure of the router', async () => {
    const { appRouter } = await import('@keyhole/api/internal/routers/app-router');
    const all = Object.keys(appRouter._def.procedures).sort();
    expect([...Object.keys(PROCEDURES), ...MEETING_PROCEDURES].sort()).toEqual(all);
    expect(Object.keys(ACTS).sort()).toEqual(Object.keys(PROCEDURES).sort());
  });

  for (const proc of Object.keys(PROCEDURES)) {
    it(proc, async () => {
      for (const p of PRINCIPALS) {
        const headers = await credentials.get(p)!();
        const r = await ACTS[proc]!(headers);
        const actual = outcome(r, `${proc} as ${p}`, proc === 'auth.me');
        check(`${proc} as ${p}`, expectedFor(proc, p), actual);
        // Another org's admin acts on that org alone: nothing of U's org shows in what it reads.
        const adminRead = /^(org|members|keys|audit)\./.test(proc);
        if (p === 'otherOrgAdminSession' && adminRead && actual === 'OK') {
          for (const id of [open.orgId, open.u.id, adminA.id, memberTarget.id]) {
            if (r.text.includes(id)) failures.push(`${proc} as ${p}: the answer names ${id} of U's org`);
          }
        }
      }
    });
  }

  it('meetings.get and meetings.transcript, per meeting class', async () => {
    for (const proc of ['meetings.get', 'meetings.transcript']) {
      for (const p of PRINCIPALS) {
        const world = homeWorld.get(p)!;
        for (const c of CLASSES) {
          const r = await wire.query(proc, { id: world.meetings[c] }, await credentials.get(p)!());
          check(`${proc} ${c} as ${p}`, expectedRead(p, c, 'OK', A.nf), outcome(r, `${proc} ${c} as ${p}`));
        }
      }
    }
  });

  it('meetings.list, per meeting class (listed or not)', async () => {
    for (const p of PRINCIPALS) {
      const world = homeWorld.get(p)!;
      const r = await wire.query('meetings.list', { limit: 100 }, await credentials.get(p)!());
      const o = outcome(r, `meetings.list as ${p}`);
      const listed = new Set(
        o === 'OK'
          ? ((r.json as TrpcEnvelope).result!.data as { items: { id: string }[] }).items.map((m) => m.id)
          : [],
      );
      for (const c of CLASSES) {
        const actual = o === 'OK' ? (listed.has(world.meetings[c]) ? 'LISTED' : 'ABSENT') : o;
        check(`meetings.list ${c} as ${p}`, expectedRead(p, c, 'LISTED', 'ABSENT'), actual);
      }
    }
  });

  it('meetings.update, per meeting class', async () => {
    for (const p of PRINCIPALS) {
      const world = homeWorld.get(p)!;
      for (const c of CLASSES) {
        const r = await wire.mutation(
          'meetings.update',
          { id: world.meetings[c], subject: 'Matrix meeting' },
          await credentials.get(p)!(),
        );
        check(
          `meetings.update ${c} as ${p}`,
          expectedUpdate(p, c),
          outcome(r, `meetings.update ${c} as ${p}`),
        );
      }
    }
  });

  it('every cell matched the table, and every cell of the product was checked', () => {
    const expectedCells =
      PRINCIPALS.length * Object.keys(PROCEDURES).length +
      PRINCIPALS.length * CLASSES.length * MEETING_PROCEDURES.length;
    console.log(
      `authorization matrix: ${cells} cells checked (${PRINCIPALS.length} principals × (${Object.keys(PROCEDURES).length} procedures + ${MEETING_PROCEDURES.length} meeting procedures × ${CLASSES.length} meeting classes)), ${wire.requests} HTTP requests`,
    );
    expect(failures).toEqual([]);
    expect(cells).toBe(expectedCells);
  });
});

// ─── Step-up (SPEC §5): the same procedures with sessions whose password was entered too long ago ───
// Exactly keys.create, keys.regenerate and keys.reveal change: reauth_required for the admins (before
// the input, so before NOT_FOUND); a member is refused as a member first. Every other cell is the
// fresh session's, as in PROCEDURES.
const STEP_UP = new Set(['keys.create', 'keys.regenerate', 'keys.reveal']);
const STALE_SESSIONS = ['memberSession', 'adminSession', 'otherOrgAdminSession'] as const;

describe('authorization matrix, stale sessions (step-up)', () => {
  it('reauth_required on exactly the three step-up procedures, for a session never or long ago confirmed', async () => {
    const staleFailures: string[] = [];
    let staleCells = 0;
    const userOf: Record<(typeof STALE_SESSIONS)[number], string> = {
      memberSession: open.u.id,
      adminSession: adminA.id,
      otherOrgAdminSession: other.adminId,
    };
    const minutes = app.deps.config.reauthMinutes;
    for (const enteredAt of [new Date(clock.now().getTime() - minutes * 60_000 - 1), null]) {
      for (const p of STALE_SESSIONS) {
        for (const proc of Object.keys(PROCEDURES)) {
          const headers = await sessionHeaders(userOf[p], enteredAt);
          const fresh = expectedFor(proc, p);
          // Checked where the session is resolved, before the input: an admin naming another org's
          // key hears reauth_required, not NOT_FOUND; a member hears admin_required.
          const isAdmin = CLASS_OF[p] === 'ADMIN' || CLASS_OF[p] === 'OTHER_ORG_ADMIN';
          const expected = STEP_UP.has(proc) && isAdmin ? 'FORBIDDEN/reauth_required' : fresh;
          const label = `${proc} as stale ${p} (entered ${enteredAt?.toISOString() ?? 'never'})`;
          const actual = outcome(await ACTS[proc]!(headers), label, proc === 'auth.me');
          staleCells++;
          if (actual !== expected) staleFailures.push(`${label}: expected ${expected}, got ${actual}`);
        }
      }
    }
    expect(staleFailures).toEqual([]);
    expect(staleCells).toBe(2 * STALE_SESSIONS.length * Object.keys(PROCEDURES).length);
  });

  it('a stale session that confirms its password is fresh again on those three', async () => {
    const headers = await sessionHeaders(adminA.id, null);
    expect(outcome(await ACTS['keys.reveal']!(headers), 'reveal before confirming')).toBe(
      'FORBIDDEN/reauth_required',
    );
    expect(outcome(await ACTS['auth.confirmPassword']!(headers), 'confirm')).toBe('OK');
    for (const proc of STEP_UP)
      expect(outcome(await ACTS[proc]!(headers), `${proc} after confirming`)).toBe('OK');
  });
});

// ─── The REST face (SPEC §10), cell for cell: every principal × every REST route (× meeting class) ───
// A key gets exactly its tRPC answer (status, code, reason, message, body); a session or no
// credentials gets 401 key_required, as REST takes keys only. Calls go through openapi-fetch typed
// by openapi-typescript's output for the served document, as an integrator's would.
const REST_NEEDS_KEY = new Set<PrincipalClass>(['MEMBER', 'ADMIN', 'OTHER_ORG_ADMIN', 'NONE']);
const REST_OUTPUTS: Record<string, { parse(v: unknown): unknown }> = {
  whoami: whoamiOutput,
  'meetings.list': meetingPageOutput,
  'meetings.get': meetingOutput,
  'meetings.transcript': transcriptOutput,
  'webhooks.list': webhookListOutput,
  'webhooks.subscribe': subscribeOutput,
  'webhooks.unsubscribe': okOutput,
};

interface RestAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

function restOutcome(r: RestAnswer): string {
  if (r.status === 200) return 'OK';
  const { error } = restErrorOutput.parse(r.body);
  return error.reason ? `${error.code}/${error.reason}` : error.code;
}

describe('the REST face, cell for cell', () => {
  let restCells = 0;
  const restFailures: string[] = [];

  async function compare(
    label: string,
    procedure: string,
    p: Principal,
    trpc: WireResult,
    rest: RestAnswer,
    // A subscribe's answer is new on every call (id, secret): its shape is checked, not its bytes.
    sameBody = true,
  ) {
    restCells++;
    const trpcOutcome = outcome(trpc, label);
    const expected = REST_NEEDS_KEY.has(CLASS_OF[p]) ? A.keyreq : trpcOutcome;
    const actual = restOutcome(rest);
    if (rest.status !== 200) wire.errorBodies.push(JSON.stringify(rest.body));
    if (actual !== expected) {
      restFailures.push(`${label}: tRPC ${trpcOutcome}, REST expected ${expected}, got ${actual}`);
      return;
    }
    if (REST_NEEDS_KEY.has(CLASS_OF[p])) return;
    if (rest.status !== trpc.status)
      restFailures.push(`${label}: status ${rest.status} ≠ tRPC ${trpc.status}`);
    const envelope = trpc.json as TrpcEnvelope;
    if (actual === 'OK') {
      REST_OUTPUTS[procedure]!.parse(rest.body);
      if (sameBody && JSON.stringify(rest.body) !== JSON.stringify(envelope.result!.data))
        restFailures.push(`${label}: REST body differs from tRPC's`);
      if (rest.headers.get('x-ratelimit-limit') !== trpc.headers.get('x-ratelimit-limit'))
        restFailures.push(`${label}: X-RateLimit-Limit differs`);
    } else if (restErrorOutput.parse(rest.body).error.message !== envelope.error!.message) {
      restFailures.push(`${label}: REST message differs from tRPC's`);
    }
  }

  // From a new address each call, like the Wire's (the auth-failure counters are per IP).
  const restClient = () =>
    createClient<paths>({
      baseUrl: server.url,
      fetch: (request: Request) => {
        request.headers.set('x-forwarded-for', randomIp());
        return fetch(request);
      },
    });
  const answer = async (r: { response: Response; data?: unknown; error?: unknown }): Promise<RestAnswer> => ({
    status: r.response.status,
    body: r.response.status === 200 ? r.data : r.error,
    headers: r.response.headers,
  });

  it('whoami and meetings.list', async () => {
    for (const p of PRINCIPALS) {
      const headers = await credentials.get(p)!();
      const client = restClient();
      await compare(
        `GET /v1/whoami as ${p}`,
        'whoami',
        p,
        await wire.query('whoami', undefined, headers),
        await answer(await client.GET('/v1/whoami', { headers })),
      );
      await compare(
        `GET /v1/meetings as ${p}`,
        'meetings.list',
        p,
        await wire.query('meetings.list', { limit: 100 }, headers),
        await answer(await client.GET('/v1/meetings', { params: { query: { limit: 100 } }, headers })),
      );
    }
  });

  it('meetings/{id} and meetings/{id}/transcript, per meeting class', async () => {
    for (const p of PRINCIPALS) {
      const world = homeWorld.get(p)!;
      const headers = await credentials.get(p)!();
      const client = restClient();
      for (const c of CLASSES) {
        const id = world.meetings[c];
        await compare(
          `GET /v1/meetings/{id} ${c} as ${p}`,
          'meetings.get',
          p,
          await wire.query('meetings.get', { id }, headers),
          await answer(await client.GET('/v1/meetings/{id}', { params: { path: { id } }, headers })),
        );
        await compare(
          `GET /v1/meetings/{id}/transcript ${c} as ${p}`,
          'meetings.transcript',
          p,
          await wire.query('meetings.transcript', { id }, headers),
          await answer(
            await client.GET('/v1/meetings/{id}/transcript', { params: { path: { id } }, headers }),
          ),
        );
      }
    }
  });

  it("webhooks: list, subscribe and unsubscribe (another key's subscription)", async () => {
    const created = (r: { json: unknown } | RestAnswer) => {
      const body = 'json' in r ? (r.json as TrpcEnvelope).result?.data : (r as RestAnswer).body;
      return (body as { subscription?: { id: string } } | undefined)?.subscription?.id;
    };
    for (const p of PRINCIPALS) {
      const headers = await credentials.get(p)!();
      const client = restClient();
      await compare(
        `GET /v1/webhooks as ${p}`,
        'webhooks.list',
        p,
        await wire.query('webhooks.list', undefined, headers),
        await answer(await client.GET('/v1/webhooks', { headers })),
      );
      const body = { url: MATRIX_HOOK_URL, events: ['meeting.created' as const] };
      const viaTrpc = await wire.mutation('webhooks.subscribe', body, headers);
      const viaRest = await answer(await client.POST('/v1/webhooks', { body, headers }));
      await compare(`POST /v1/webhooks as ${p}`, 'webhooks.subscribe', p, viaTrpc, viaRest, false);
      for (const id of [created(viaTrpc), created(viaRest)])
        if (id) await deleteSubscription(app.deps.db, id);
      await withTargetWebhook(async ({ id }) =>
        compare(
          `DELETE /v1/webhooks/{id} (another key's) as ${p}`,
          'webhooks.unsubscribe',
          p,
          await wire.mutation('webhooks.unsubscribe', { id }, headers),
          await answer(await client.DELETE('/v1/webhooks/{id}', { params: { path: { id } }, headers })),
        ),
      );
    }
  });

  it('every REST cell answered as tRPC does, and every cell was checked', () => {
    const expected = PRINCIPALS.length * (5 + 2 * CLASSES.length);
    console.log(
      `REST matrix: ${restCells} cells (${PRINCIPALS.length} principals × (5 routes + 2 routes × ${CLASSES.length} meeting classes))`,
    );
    expect(restFailures).toEqual([]);
    expect(restCells).toBe(expected);
    expect(REST_ROUTES.map((r) => r.procedure).sort()).toEqual(Object.keys(REST_OUTPUTS).sort());
  });
});

describe('secret hygiene of the matrix run', () => {
  it('no key string or password in any log line, error body, audit row or table', async () => {
    await app.deps.keyUsage.flush();
    const report = await expectNoSecretsLeaked({
      database: app.database,
      texts: { log: app.logs.lines, 'error body': wire.errorBodies },
      secrets: minted,
      passwords: [PASSWORD],
    });
    expect(report.secrets).toBeGreaterThan(20);
    expect(report.auditRows).toBeGreaterThan(50);
    console.log(`matrix hygiene: ${JSON.stringify(report)}`);
  });
});
