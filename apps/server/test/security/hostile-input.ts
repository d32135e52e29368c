import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE } from '@keyhole/api/internal/auth/session-token';
import { apiKeys, users } from '@keyhole/api/internal/db/schema';
import { insertEventDeliveries } from '@keyhole/api/internal/db/webhooks/deliveries';
import { hashPassword } from '@keyhole/api/internal/lib/password';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { revokeKey } from '@keyhole/api/internal/services/keys/revoke-key';
import { AUDIT_ACTIONS, CREATABLE_SCOPES, MEETING_STATES, WEBHOOK_EVENTS } from '@keyhole/core';
import { and, eq, isNull } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor } from '../support/keys';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { type Fingerprint, SIGN_IN_FAILED, tableFingerprint } from './db-fingerprint';
import { expectNoSecretsLeaked } from './secret-hygiene';
import { cutAndVanish, expectWellFormedAnswer, rawExchange, rawHttp, Wire, type WireResult } from './wire';

/**
 * Hostile input over real HTTP (SPEC §5: "Nothing a client sends causes a 5xx. No response ever
 * carries a stack trace"). For every procedure, generated requests mix plausible inputs bent out of
 * shape (wrong types, huge and odd Unicode strings with NUL and lone surrogates, nulls, extra and
 * prototype-polluting fields, out-of-range numbers, forged and truncated cursors, injection strings)
 * with broken transports (raw malformed bodies and `input` parameters, wrong content types and
 * methods, odd URLs, batches of many or mixed calls with malformed input maps). Every answer must be
 * a SPEC error code with its HTTP status, and every refused mutation must leave every table as it
 * was — save the `auth.sign_in_failed` event a failed sign-in must write.
 *
 * The fast suite runs a sample per procedure; `hostile-input.slow.test.ts` runs ≥ 1,000.
 */

const ADMIN_PASSWORD = 'hostile admin password 1';
const USER_PASSWORD = 'hostile user password 22';
const TEXT_CHARS = ['a', 'é', '😀', '\u0000', '\ud800', '\udc00', ' ', '\u202e', '"', "'", '\\'];

// ─── Values ───
const injection = fc.constantFrom(
  "' OR '1'='1",
  "'; drop table users; --",
  '"); select pg_sleep(10); --',
  "1' union select secret_hash from api_keys --",
  // A template-injection probe, on purpose.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the probe
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00',
  '%E0%A4%A',
  '\u202egnp.exe',
  '\ufeff',
  'NaN',
  '__proto__',
  'constructor',
  '$where',
  'kh_x:khs_y',
);

/** Strings: binary UTF-16 (lone surrogates, NUL), graphemes, injections, huge repeats. */
function hostileText(maxHuge: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    { weight: 2, arbitrary: injection },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '\ud800', '\udc00', 'a\u0000b', '\t\n') },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...TEXT_CHARS), fc.integer({ min: 100, max: maxHuge }))
        .map(([c, n]) => c.repeat(n)),
    },
  );
}

const hostileNumber = fc.oneof(
  fc.integer({ min: -10, max: 200 }),
  fc.constantFrom(0, -1, 1.5, -0, 2 ** 31, 2 ** 53 + 2, 1e21, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-300),
  fc.double(),
);

/** One of the valid values most of the time, now and then a plausible invalid one. */
const validOr = <T>(valid: readonly T[], invalid: readonly T[]) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: fc.constantFrom(...invalid) },
  );

/** A whole number in range most of the time, else anything numeric. */
const intIn = (min: number, max: number) =>
  fc.oneof({ weight: 5, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: hostileNumber });

function hostileValue(maxHuge: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: hostileText(maxHuge) },
    { weight: 2, arbitrary: hostileNumber },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { 0: 1 }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'orgId', 'scope', 'issuedToUserId', 'role'),
  fc.constantFrom('isAdmin', 'createdBy', 'secret', 'hostId', '$where', ''),
  fc.string({ maxLength: 8 }),
);

interface Field {
  arb: fc.Arbitrary<unknown>;
  required?: boolean;
}

/** Text a person would type: any well-formed graphemes, never blank. */
const typedText = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
  fc.constantFrom('Zapier – CS Team', 'BI dashboard 😀', 'Équipe 会議'),
);
/**
 * Mostly typed text; now and then the same text with one character PostgreSQL cannot store (NUL, a
 * lone surrogate, half an emoji), so names reach the storage rule with everything else valid.
 */
const plainText = fc.oneof(
  { weight: 6, arbitrary: typedText },
  {
    weight: 1,
    arbitrary: fc
      .tuple(typedText, fc.constantFrom('\u0000', '\ud800', '\udfff', '😀'.slice(0, 1)), fc.nat())
      .map(([t, bad, at]) => {
        const i = at % (t.length + 1);
        return t.slice(0, i) + bad + t.slice(i);
      }),
  },
);

/**
 * A record of plausible fields, each sometimes replaced by hostile text or any value; sometimes
 * with extra fields. Plausible most of the time, so that many requests get past validation and
 * reach the services and the database.
 */
function inputOf(fields: Record<string, Field>, maxHuge: number): fc.Arbitrary<unknown> {
  const any = hostileValue(maxHuge);
  const text = hostileText(maxHuge);
  const mostly = (a: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 18, arbitrary: a }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: any });
  const model = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, mostly(f.arb)]));
  const required = Object.entries(fields)
    .filter(([, f]) => f.required)
    .map(([k]) => k);
  const record = fc.oneof(
    { weight: 5, arbitrary: fc.record(model, { requiredKeys: required }) },
    { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) },
  );
  const extras = fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.dictionary(extraKey, any, { minKeys: 1, maxKeys: 3 }) },
  );
  const withExtras = fc.tuple(record, extras).map(([r, e]) => {
    if (!e) return r;
    const out: Record<string, unknown> = { ...(r as object) };
    for (const k of Object.keys(e)) Object.defineProperty(out, k, { value: e[k], enumerable: true });
    return out;
  });
  return fc.oneof(
    { weight: 14, arbitrary: withExtras },
    { weight: 1, arbitrary: any },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const noInput = (maxHuge: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 2, arbitrary: hostileValue(maxHuge) },
  );

/**
 * An id of the fixture's pool, read when the request is sent rather than when the sample was
 * generated: samples are generated up front, and pools change as keys are revoked and replaced.
 */
class PoolRef {
  constructor(readonly pick: () => string) {}
}

/** The sample with every pool reference replaced by the id it names now. */
function resolvePoolRefs(v: unknown): unknown {
  if (v instanceof PoolRef) return v.pick();
  if (Array.isArray(v)) return v.map(resolvePoolRefs);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty keeps own "__proto__" keys as data, as the generator made them.
    for (const k of Object.keys(v)) {
      Object.defineProperty(out, k, {
        value: resolvePoolRefs((v as Record<string, unknown>)[k]),
        enumerable: true,
      });
    }
    return out;
  }
  return v;
}

function idFrom(pool: () => string[], maxHuge: number): fc.Arbitrary<unknown> {
  const at = (i: number) => pool()[i % pool().length]!;
  const variants = [
    (id: string) => id.toUpperCase(),
    (id: string) => id.slice(0, -1),
    (id: string) => `${id}0`,
    (id: string) => ` ${id}`,
    (id: string) => id.replaceAll('-', ''),
  ];
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat(1000).map((i) => new PoolRef(() => at(i))) },
    { weight: 1, arbitrary: fc.uuid() },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat(1000), fc.nat(variants.length - 1))
        .map(([i, v]) => new PoolRef(() => variants[v]!(at(i)))),
    },
    { weight: 1, arbitrary: hostileText(maxHuge) },
  );
}

/** A real cursor, truncated, with one character changed, re-signed garbage, or anything. */
function cursorFrom(real: () => string, maxHuge: number): fc.Arbitrary<unknown> {
  const r = () => real();
  return fc.oneof(
    fc.constant(null).map(() => r()),
    fc.nat().map((n) => r().slice(0, n % r().length)),
    fc.tuple(fc.nat(), fc.constantFrom(...'AZaz09-_.=+/~ ')).map(([i, c]) => {
      const s = r();
      const at = i % s.length;
      return s.slice(0, at) + c + s.slice(at + 1);
    }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')),
    fc.jsonValue({ maxDepth: 2 }).map((v) => {
      const [, tag] = r().split('.');
      return `${Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')}.${tag ?? ''}`;
    }),
    fc.constant(null).map(() => {
      // The real payload with one field changed, keeping the real signature.
      const [body, tag] = r().split('.');
      try {
        const json = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
        json.id = randomUUID();
        return `${Buffer.from(JSON.stringify(json)).toString('base64url')}.${tag ?? ''}`;
      } catch {
        return `${body}x.${tag}`;
      }
    }),
    hostileText(maxHuge),
  );
}

/** Plausible meeting times: starts in January 2026, ends in February, so end ≥ start. */
const startDate = fc
  .date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2026-01-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const endDate = fc
  .date({ min: new Date('2026-02-01T00:00:00Z'), max: new Date('2026-02-28T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().replace('Z', '+00:00'));

const isoDate = fc.oneof(
  fc
    .date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-01-15T12:00:00Z',
    '2027-01-01T00:00:00+14:00',
    '2026-02-30T00:00:00Z',
    '2026-01-15',
    '2026-01-15T25:61:61Z',
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00Z',
    '1899-12-31T23:59:59.999Z',
  ),
);

// ─── Fixtures ───
export interface ProcFixture {
  orgId: string;
  admin: { id: string; email: string };
  member: { id: string; email: string };
  adminCookie: string;
  keyString: string;
  keyIds: string[];
  userIds: string[];
  meetingIds: string[];
  meetingCursor: string;
  auditCursor: string;
  /** The member's session (changePassword keeps it: only the other sessions end). */
  memberCookie: string;
  /** The member's current password. */
  password: string;
  /** Subscriptions of `keyString`'s key (an unsubscribe or delete is replaced), and deliveries of the first. */
  webhookIds: string[];
  deliveryIds: string[];
  deliveryCursor: string;
}

interface Ctx {
  app: TestApp;
  wire: Wire;
  foreign: { userId: string; meetingId: string; keyId: string };
  minted: Set<string>;
  passwords: Set<string>;
}

const cookieOf = (token: string) => `${SESSION_COOKIE}=${token}`;

async function buildFixture(ctx: Ctx): Promise<ProcFixture> {
  const { app } = ctx;
  const db = app.deps.db;
  const cost = app.deps.config.passwordCost;
  const org = await seedOrg(db);
  const admin = await seedUser(db, {
    orgId: org.id,
    role: 'admin',
    passwordHash: await hashPassword(ADMIN_PASSWORD, cost),
  });
  const member = await seedUser(db, { orgId: org.id, passwordHash: await hashPassword(USER_PASSWORD, cost) });
  const adminCookie = cookieOf((await sessionRequest(app, admin.id)).token);
  const attendee = { email: admin.email, name: admin.name, userId: admin.id };
  const transcript = [{ speaker: 'A', startSeconds: 0, endSeconds: 2, text: 'hello' }];
  const meetingIds = [
    await seedMeeting(db, { orgId: org.id, hostId: admin.id, transcript, state: 'completed' }),
    await seedMeeting(db, { orgId: org.id, hostId: admin.id, isPrivate: true }),
    await seedMeeting(db, { orgId: org.id, hostId: member.id, attendees: [attendee] }),
    await seedMeeting(db, { orgId: org.id, hostId: member.id, isPrivate: true, attendees: [attendee] }),
    ctx.foreign.meetingId,
  ];
  const key = await createKeyFor(app, { adminUserId: admin.id, scope: 'org_full', name: 'Hostile reader' });
  const spare = await createKeyFor(app, {
    adminUserId: admin.id,
    scope: 'user_limited',
    issuedToUserId: member.id,
  });
  const legacy = await createKeyFor(app, { adminUserId: admin.id, scope: 'legacy' });
  for (const k of [key, spare, legacy]) ctx.minted.add(k.keyString);
  const page = (await app.caller({ authorization: `Bearer ${key.keyString}` }).meetings.list({ limit: 1 }))
    .nextCursor!;
  const audit = (
    await app.caller({ cookies: { [SESSION_COOKIE]: adminCookie.split('=')[1]! } }).audit.list({ limit: 1 })
  ).nextCursor!;
  expect(page).toBeTypeOf('string');
  expect(audit).toBeTypeOf('string');
  const asKey = app.caller({ authorization: `Bearer ${key.keyString}` });
  const webhookIds = [await fixtureWebhook(app, key.keyString), await fixtureWebhook(app, key.keyString)];
  const deliveryIds = await app.deps.db.transaction((tx) =>
    insertEventDeliveries(tx, {
      orgId: org.id,
      meetingId: meetingIds[0]!,
      at: app.deps.clock.now(),
      fanout: [
        { type: 'meeting.created', subscriptionIds: [webhookIds[0]!] },
        { type: 'meeting.updated', subscriptionIds: [webhookIds[0]!] },
      ],
    }),
  );
  const adminCaller = app.caller({ cookies: { [SESSION_COOKIE]: adminCookie.split('=')[1]! } });
  const deliveryCursor = (await adminCaller.webhooks.deliveries({ id: webhookIds[0]!, limit: 1 }))
    .nextCursor!;
  expect(deliveryCursor).toBeTypeOf('string');
  expect(await asKey.webhooks.list()).toHaveLength(2);
  return {
    orgId: org.id,
    admin,
    member,
    adminCookie,
    keyString: key.keyString,
    keyIds: [spare.id, legacy.id, key.id, ctx.foreign.keyId],
    userIds: [member.id, admin.id, ctx.foreign.userId],
    meetingIds,
    meetingCursor: page,
    auditCursor: audit,
    memberCookie: cookieOf((await sessionRequest(app, member.id)).token),
    password: USER_PASSWORD,
    webhookIds,
    deliveryIds,
    deliveryCursor,
  };
}

/**
 * Generated webhook URLs are loopback or not URLs at all (SPEC §11: no test contacts a public host;
 * the app runs no delivery workers either, and KEYHOLE_WEBHOOK_ALLOWED_HOSTS is loopback).
 */
const HOOK_URL = 'http://127.0.0.1:9/hostile-hook';
const webhookUrl = (maxHuge: number) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(HOOK_URL, 'https://127.0.0.1/h', 'http://[::1]:9/h', 'http://localhost:9/h'),
    },
    {
      weight: 2,
      arbitrary: plainText.map((t) => `http://127.0.0.1:9/${t.replace(/[^A-Za-z0-9._~-]/g, '')}`),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'ftp://127.0.0.1/x',
        'http://user:pw@127.0.0.1/x',
        'http://127.0.0.1:0/x',
        '//127.0.0.1/x',
        'http:/x',
        'http://',
      ),
    },
    { weight: 2, arbitrary: hostileText(maxHuge) },
  );

async function fixtureWebhook(app: TestApp, keyString: string): Promise<string> {
  const { subscription } = await app
    .caller({ authorization: `Bearer ${keyString}` })
    .webhooks.subscribe({ url: HOOK_URL, events: ['meeting.created', 'meeting.updated'] });
  return subscription.id;
}

/** After an unsubscribe or delete: the pool names live subscriptions again, and the key stays under 25. */
async function restoreWebhooks(c: Ctx, f: ProcFixture) {
  const asKey = c.app.caller({ authorization: `Bearer ${f.keyString}` });
  const live = (await asKey.webhooks.list()).map((w) => w.id);
  for (const id of live) {
    if (!f.webhookIds.includes(id)) await asKey.webhooks.unsubscribe({ id });
  }
  for (const [i, id] of f.webhookIds.entries()) {
    if (!live.includes(id)) f.webhookIds[i] = await fixtureWebhook(c.app, f.keyString);
  }
}

// ─── Procedures ───
interface ProcSpec {
  path: string;
  kind: 'query' | 'mutation';
  input(f: ProcFixture, maxHuge: number): fc.Arbitrary<unknown>;
  /** Credentials for one request. */
  caller(ctx: Ctx, f: ProcFixture, pick: number): Promise<Record<string, string>>;
  /** The caller makes rows (a fresh session): the database is fingerprinted after it. */
  callerWrites?: boolean;
  /** Puts the fixture back after a successful call, so later samples still reach deep paths. */
  afterSuccess?(ctx: Ctx, f: ProcFixture): Promise<void>;
}

type Headers = Record<string, string>;
const admin = async (_ctx: Ctx, f: ProcFixture): Promise<Headers> => ({ cookie: f.adminCookie });
const readers = async (_ctx: Ctx, f: ProcFixture, pick: number): Promise<Headers> =>
  pick % 2 === 0 ? { authorization: `Bearer ${f.keyString}` } : { cookie: f.adminCookie };

const email = (f: ProcFixture) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.uuid().map((u) => `user-${u.slice(0, 13)}@example.test`) },
    { weight: 1, arbitrary: fc.emailAddress() },
    {
      weight: 2,
      arbitrary: fc.constantFrom(f.admin.email, f.admin.email.toUpperCase(), ` ${f.member.email} `),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => `${s}@example.test`) },
  );
const password = (ctx: Ctx) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: 12, maxLength: 40 }) },
    // Distinctive passwords, searched for in logs and tables at the end.
    {
      weight: 3,
      arbitrary: fc.uuid().map((u) => {
        const p = `pw-${u}`;
        ctx.passwords.add(p);
        return p;
      }),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 11 }) },
  );

const meetingFields = (f: ProcFixture, maxHuge: number) => {
  // Nested fields are many: each is hostile rarely, so that whole meetings still get through.
  const text = fc.oneof({ weight: 12, arbitrary: typedText }, { weight: 1, arbitrary: hostileText(maxHuge) });
  const attendee = fc.record(
    {
      email: fc.oneof(
        { weight: 4, arbitrary: fc.uuid().map((u) => `guest-${u.slice(0, 8)}@example.test`) },
        { weight: 2, arbitrary: fc.constant(f.member.email.toUpperCase()) },
        { weight: 1, arbitrary: fc.oneof(fc.emailAddress(), text) },
      ),
      name: text,
    },
    { requiredKeys: ['email'] },
  );
  const seconds = (min: number, max: number) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min, max }) },
      { weight: 1, arbitrary: fc.double({ min: -1, max: 1e6, noNaN: true }) },
    );
  const segment = fc.record({
    speaker: text,
    startSeconds: seconds(0, 50),
    endSeconds: seconds(50, 100),
    text,
  });
  return {
    subject: { arb: text, required: true },
    isPrivate: { arb: fc.boolean() },
    state: { arb: validOr(MEETING_STATES, ['archived', 'COMPLETED']) },
    attendees: { arb: fc.array(attendee, { maxLength: 3 }) },
    transcript: { arb: fc.array(segment, { maxLength: 3 }) },
  };
};

async function activeKeys(ctx: Ctx, orgId: string) {
  const rows = await ctx.app.deps.db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt)));
  return rows.map((r) => r.id);
}

const PROCEDURES: ProcSpec[] = [
  {
    path: 'health',
    kind: 'query',
    input: (_f, m) => noInput(m),
    caller: async (_c, f, pick): Promise<Headers> =>
      [{}, { cookie: f.adminCookie }, { authorization: 'Bearer nonsense' }][pick % 3]!,
  },
  {
    path: 'auth.signUp',
    kind: 'mutation',
    input: (f, m) =>
      inputOf(
        {
          orgName: { arb: plainText, required: true },
          name: { arb: plainText, required: true },
          email: { arb: email(f), required: true },
          password: { arb: password(ctxRef()), required: true },
        },
        m,
      ),
    caller: async () => ({}),
  },
  {
    path: 'auth.signIn',
    kind: 'mutation',
    input: (f, m) =>
      fc.oneof(
        {
          weight: 3,
          arbitrary: inputOf(
            {
              email: { arb: email(f), required: true },
              password: {
                arb: fc.oneof(
                  fc.constantFrom(USER_PASSWORD, ADMIN_PASSWORD, 'wrong password'),
                  password(ctxRef()),
                ),
                required: true,
              },
            },
            m,
          ),
        },
        // The right pair now and then, so sign-in also succeeds (and writes a session and an event).
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            { email: f.member.email, password: USER_PASSWORD },
            { email: ` ${f.admin.email.toUpperCase()} `, password: ADMIN_PASSWORD },
          ),
        },
      ),
    caller: async () => ({}),
  },
  {
    path: 'auth.signOut',
    kind: 'mutation',
    input: (_f, m) => noInput(m),
    // A session of its own each time: a successful sign-out ends it.
    caller: async (c, f) => ({ cookie: cookieOf((await sessionRequest(c.app, f.member.id)).token) }),
    callerWrites: true,
  },
  {
    path: 'auth.me',
    kind: 'query',
    input: (_f, m) => noInput(m),
    caller: async (_c, f, p): Promise<Headers> => (p % 2 ? {} : { cookie: f.adminCookie }),
  },
  {
    path: 'auth.changePassword',
    kind: 'mutation',
    input: (f, m) =>
      inputOf(
        {
          currentPassword: { arb: fc.oneof(fc.constant(f.password), password(ctxRef())), required: true },
          newPassword: { arb: password(ctxRef()), required: true },
        },
        m,
      ),
    caller: async (_c, f) => ({ cookie: f.memberCookie }),
    afterSuccess: async (c, f) => {
      const passwordHash = await hashPassword(f.password, c.app.deps.config.passwordCost);
      await c.app.deps.db.update(users).set({ passwordHash }).where(eq(users.id, f.member.id));
    },
  },
  {
    path: 'auth.confirmPassword',
    kind: 'mutation',
    input: (f, m) =>
      inputOf(
        { password: { arb: fc.oneof(fc.constant(f.password), password(ctxRef())), required: true } },
        m,
      ),
    caller: async (_c, f) => ({ cookie: f.memberCookie }),
  },
  { path: 'org.get', kind: 'query', input: (_f, m) => noInput(m), caller: admin },
  { path: 'org.admins', kind: 'query', input: (_f, m) => noInput(m), caller: admin },
  {
    path: 'org.updateSettings',
    kind: 'mutation',
    input: (_f, m) =>
      inputOf({ orgFullKeysIncludePrivate: { arb: fc.boolean() }, allowKeyReveal: { arb: fc.boolean() } }, m),
    caller: admin,
  },
  { path: 'members.list', kind: 'query', input: (_f, m) => noInput(m), caller: admin },
  {
    path: 'members.add',
    kind: 'mutation',
    input: (f, m) =>
      inputOf(
        {
          email: { arb: email(f), required: true },
          name: { arb: plainText, required: true },
          role: {
            arb: validOr(['admin', 'member'], ['owner', 'ADMIN']),
            required: true,
          },
          password: { arb: password(ctxRef()), required: true },
        },
        m,
      ),
    caller: admin,
  },
  {
    path: 'members.setRole',
    kind: 'mutation',
    input: (f, m) =>
      inputOf(
        {
          userId: { arb: idFrom(() => f.userIds, m), required: true },
          role: { arb: validOr(['admin', 'member'], ['owner', 'ADMIN']), required: true },
        },
        m,
      ),
    caller: admin,
    afterSuccess: (c, f) => restoreAdmin(c, f),
  },
  {
    path: 'members.setStatus',
    kind: 'mutation',
    input: (f, m) =>
      inputOf(
        {
          userId: { arb: idFrom(() => f.userIds, m), required: true },
          status: { arb: validOr(['active', 'deactivated'], ['deleted', 'Active']), required: true },
        },
        m,
      ),
    caller: admin,
    afterSuccess: (c, f) => restoreAdmin(c, f),
  },
  { path: 'keys.list', kind: 'query', input: (_f, m) => noInput(m), caller: admin },
  { path: 'keys.mine', kind: 'query', input: (_f, m) => noInput(m), caller: admin },
  {
    path: 'keys.create',
    kind: 'mutation',
    input: (f, m) =>
      inputOf(
        {
          name: { arb: plainText, required: true },
          scope: {
            arb: validOr(CREATABLE_SCOPES, ['legacy', 'admin', 'ORG_FULL']),
            required: true,
          },
          issuedToUserId: {
            arb: fc.oneof(
              idFrom(() => f.userIds, m),
              fc.constant(null),
            ),
          },
          expiresAt: {
            arb: fc.oneof(
              endDate.map((d) => d.replace('2026', '2099')),
              isoDate,
              fc.constant(null),
            ),
          },
          rateLimitPerMinute: { arb: fc.oneof(intIn(1, 100000), fc.constant(null)) },
        },
        m,
      ),
    caller: admin,
    afterSuccess: async (c, f) => {
      // Keep slots free so creates keep succeeding now and then; the limit is hit by batches.
      const ids = (await activeKeys(c, f.orgId)).filter((id) => !f.keyIds.includes(id));
      if (ids.length >= 5) for (const id of ids) await revoke(c, f.orgId, id);
    },
  },
  ...(['keys.rename', 'keys.regenerate', 'keys.reveal', 'keys.revoke', 'keys.usage'] as const).map(
    (path): ProcSpec => ({
      path,
      kind: path === 'keys.usage' ? 'query' : 'mutation',
      input: (f, m) =>
        inputOf(
          {
            id: { arb: idFrom(() => f.keyIds, m), required: true },
            ...(path === 'keys.rename' ? { name: { arb: plainText, required: true } } : {}),
            ...(path === 'keys.regenerate'
              ? { previousSecretValidForSeconds: { arb: intIn(0, 86400) } }
              : {}),
            ...(path === 'keys.usage' ? { days: { arb: intIn(1, 90) } } : {}),
          },
          m,
        ),
      caller: admin,
      afterSuccess: async (c, f) => {
        // A revoked pool key is replaced, so ids keep naming live keys.
        const live = new Set(await activeKeys(c, f.orgId));
        for (const [i, id] of f.keyIds.entries()) {
          if (id === c.foreign.keyId || live.has(id)) continue;
          const k = await createKeyFor(c.app, { adminUserId: f.admin.id, scope: 'org_limited' });
          c.minted.add(k.keyString);
          f.keyIds[i] = k.id;
        }
      },
    }),
  ),
  {
    path: 'audit.list',
    kind: 'query',
    input: (f, m) =>
      inputOf(
        {
          cursor: { arb: cursorFrom(() => f.auditCursor, m) },
          limit: { arb: intIn(1, 100) },
          action: { arb: validOr(AUDIT_ACTIONS, ['key.*', 'KEY.CREATED']) },
          actorId: { arb: idFrom(() => f.userIds, m) },
          from: { arb: isoDate },
          to: { arb: isoDate },
        },
        m,
      ),
    caller: admin,
  },
  {
    path: 'meetings.create',
    kind: 'mutation',
    input: (f, m) =>
      inputOf(
        {
          ...meetingFields(f, m),
          startAt: {
            arb: fc.oneof({ weight: 8, arbitrary: startDate }, { weight: 1, arbitrary: isoDate }),
            required: true,
          },
          endAt: {
            arb: fc.oneof({ weight: 8, arbitrary: endDate }, { weight: 1, arbitrary: isoDate }),
            required: true,
          },
        },
        m,
      ),
    caller: admin,
  },
  {
    path: 'meetings.update',
    kind: 'mutation',
    input: (f, m) => {
      const fields = meetingFields(f, m);
      return inputOf(
        {
          ...fields,
          subject: { arb: fields.subject.arb },
          // The caller's own meetings twice as often: the host-only path is the deep one.
          id: { arb: idFrom(() => [...f.meetingIds.slice(0, 2), ...f.meetingIds], m), required: true },
        },
        m,
      );
    },
    caller: admin,
  },
  {
    path: 'meetings.list',
    kind: 'query',
    input: (f, m) =>
      inputOf(
        {
          limit: { arb: intIn(1, 100) },
          cursor: { arb: cursorFrom(() => f.meetingCursor, m) },
          from: { arb: fc.oneof({ weight: 6, arbitrary: startDate }, { weight: 1, arbitrary: isoDate }) },
          to: { arb: fc.oneof({ weight: 6, arbitrary: endDate }, { weight: 1, arbitrary: isoDate }) },
          state: { arb: validOr(MEETING_STATES, ['done']) },
          orderBy: {
            arb: validOr(['startAt', 'createdAt', 'completedAt'], ['id', 'subject; drop table']),
          },
          direction: { arb: validOr(['asc', 'desc'], ['up']) },
        },
        m,
      ),
    caller: readers,
  },
  ...(['meetings.get', 'meetings.transcript'] as const).map(
    (path): ProcSpec => ({
      path,
      kind: 'query',
      input: (f, m) => inputOf({ id: { arb: idFrom(() => f.meetingIds, m), required: true } }, m),
      caller: readers,
    }),
  ),
  {
    path: 'whoami',
    kind: 'query',
    input: (_f, m) => noInput(m),
    caller: async (_c, f) => ({ authorization: `Bearer ${f.keyString}` }),
  },
  {
    path: 'webhooks.subscribe',
    kind: 'mutation',
    input: (_f, m) =>
      inputOf(
        {
          url: { arb: webhookUrl(m), required: true },
          events: {
            arb: fc.array(validOr(WEBHOOK_EVENTS, ['meeting.deleted', 'MEETING.CREATED', '*']), {
              maxLength: 4,
            }),
            required: true,
          },
        },
        m,
      ),
    caller: async (_c, f) => ({ authorization: `Bearer ${f.keyString}` }),
    afterSuccess: restoreWebhooks,
  },
  {
    path: 'webhooks.list',
    kind: 'query',
    input: (_f, m) => noInput(m),
    caller: async (_c, f) => ({ authorization: `Bearer ${f.keyString}` }),
  },
  {
    path: 'webhooks.unsubscribe',
    kind: 'mutation',
    input: (f, m) => inputOf({ id: { arb: idFrom(() => f.webhookIds, m), required: true } }, m),
    caller: async (_c, f) => ({ authorization: `Bearer ${f.keyString}` }),
    afterSuccess: restoreWebhooks,
  },
  {
    path: 'webhooks.listForOrg',
    kind: 'query',
    input: (_f, m) => noInput(m),
    caller: admin,
  },
  {
    path: 'webhooks.setEnabled',
    kind: 'mutation',
    input: (f, m) =>
      inputOf(
        {
          id: { arb: idFrom(() => f.webhookIds, m), required: true },
          enabled: { arb: fc.boolean(), required: true },
        },
        m,
      ),
    caller: admin,
  },
  {
    path: 'webhooks.delete',
    kind: 'mutation',
    input: (f, m) => inputOf({ id: { arb: idFrom(() => f.webhookIds, m), required: true } }, m),
    caller: admin,
    afterSuccess: restoreWebhooks,
  },
  {
    path: 'webhooks.deliveries',
    kind: 'query',
    input: (f, m) =>
      inputOf(
        {
          id: { arb: idFrom(() => f.webhookIds, m), required: true },
          cursor: { arb: cursorFrom(() => f.deliveryCursor, m) },
          limit: { arb: intIn(1, 100) },
        },
        m,
      ),
    caller: admin,
  },
  {
    path: 'webhooks.redeliver',
    kind: 'mutation',
    input: (f, m) => inputOf({ deliveryId: { arb: idFrom(() => f.deliveryIds, m), required: true } }, m),
    caller: admin,
  },
];

async function revoke(c: Ctx, orgId: string, id: string) {
  await revokeKey(c.app.deps, systemActor(orgId), { id });
}

async function restoreAdmin(c: Ctx, f: ProcFixture) {
  await c.app.deps.db.update(users).set({ role: 'admin', status: 'active' }).where(eq(users.id, f.admin.id));
  // Deactivation deletes sessions: make sure the fixture admin still has its own.
  f.adminCookie = cookieOf((await sessionRequest(c.app, f.admin.id)).token);
  await c.app.deps.changes.publish({ kind: 'user', id: f.admin.id });
}

// The arbitraries that mint passwords need the suite's context; set once the suite starts.
let currentCtx: Ctx | undefined;
function ctxRef(): Ctx {
  if (!currentCtx) throw new Error('hostile input context not ready');
  return currentCtx;
}

// ─── Transports ───
type Transport =
  | { t: 'normal' }
  | { t: 'raw'; raw: string | Uint8Array }
  | { t: 'contentType'; value: string | null }
  | { t: 'method' }
  | {
      t: 'batch';
      n: number;
      mix: 'same' | 'unknown' | 'otherKind';
      shape: 'map' | 'array' | 'scalar' | 'sparse';
    }
  | { t: 'url'; variant: number }
  // The transport layer, over raw sockets: a request cut off at any byte, several Authorization
  // headers, a key anywhere in the URL, a declared body over the limit.
  | { t: 'cut'; fraction: number }
  | { t: 'dupAuth' }
  | { t: 'keyInUrl'; variant: number }
  | { t: 'oversize' };

const RAW_TRANSPORTS = new Set(['cut', 'dupAuth', 'keyInUrl', 'oversize']);

const rawBody = (maxHuge: number) =>
  fc.oneof(
    fc.constantFrom(
      '',
      '{',
      '[',
      'null',
      '"str"',
      '{"a":1,"a":2}',
      '{"__proto__":{"isAdmin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '\ufeff{}',
      '{}garbage',
      '{"0":',
      'NaN',
      '1e99999',
      '[]'.repeat(1000),
      `${'['.repeat(20000)}${']'.repeat(20000)}`,
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    ),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.uint8Array({ maxLength: 64 }),
    hostileText(maxHuge),
  );

const transport = (kind: 'query' | 'mutation', maxHuge: number): fc.Arbitrary<Transport> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant<Transport>({ t: 'normal' }) },
    { weight: 3, arbitrary: rawBody(maxHuge).map((raw): Transport => ({ t: 'raw', raw })) },
    {
      weight: kind === 'mutation' ? 2 : 0,
      arbitrary: fc
        .constantFrom(
          null,
          'text/plain',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'application/jsonx',
          'APPLICATION/JSON',
        )
        .map((value): Transport => ({ t: 'contentType', value })),
    },
    { weight: 1, arbitrary: fc.constant<Transport>({ t: 'method' }) },
    {
      weight: 3,
      arbitrary: fc
        .record({
          n: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(50, 200)),
          mix: fc.constantFrom('same', 'same', 'unknown', 'otherKind'),
          shape: fc.constantFrom('map', 'map', 'array', 'scalar', 'sparse'),
        })
        .map((b): Transport => ({ t: 'batch', ...b }) as Transport),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: 7 }).map((variant): Transport => ({ t: 'url', variant })),
    },
    {
      weight: 2,
      arbitrary: fc
        .double({ min: 0, max: 1, noNaN: true })
        .map((fraction): Transport => ({ t: 'cut', fraction })),
    },
    { weight: 1, arbitrary: fc.constant<Transport>({ t: 'dupAuth' }) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: 4 }).map((variant): Transport => ({ t: 'keyInUrl', variant })),
    },
    { weight: kind === 'mutation' ? 1 : 0, arbitrary: fc.constant<Transport>({ t: 'oversize' }) },
  );

const OTHER_KIND = { query: 'auth.signOut', mutation: 'health' } as const;

function request(spec: ProcSpec, input: unknown, tr: Transport, headers: Record<string, string>) {
  const json = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
  const isQuery = spec.kind === 'query';
  const send = (
    path: string,
    body: string | Blob | undefined,
    extra: Record<string, string> = {},
    method?: string,
  ): { method: string; path: string; headers: Record<string, string>; body?: string | Blob } => ({
    method: method ?? (isQuery ? 'GET' : 'POST'),
    path,
    headers: { ...(isQuery ? {} : { 'content-type': 'application/json' }), ...headers, ...extra },
    ...(body === undefined ? {} : { body }),
  });
  const q = (raw: string | undefined) => (raw === undefined ? '' : `input=${encodeURIComponent(raw)}`);
  const asBody = (raw: string | Uint8Array) =>
    typeof raw === 'string' ? raw : new Blob([new Uint8Array(raw)]);
  switch (tr.t) {
    case 'normal':
      return isQuery
        ? send(`${spec.path}${input === undefined ? '' : `?${q(json(input))}`}`, undefined)
        : send(spec.path, json(input));
    case 'raw':
      if (isQuery) {
        // Percent-encoded bytes, invalid UTF-8 included (encodeURIComponent refuses lone surrogates).
        const bytes = typeof tr.raw === 'string' ? Buffer.from(tr.raw, 'utf8') : Buffer.from(tr.raw);
        const encoded = [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
        return send(`${spec.path}?input=${encoded}`, undefined);
      }
      return send(spec.path, asBody(tr.raw));
    case 'contentType': {
      const req = send(spec.path, json(input) ?? '{}');
      if (tr.value === null) delete req.headers['content-type'];
      else req.headers['content-type'] = tr.value;
      return req;
    }
    case 'method':
      return isQuery
        ? send(spec.path, json(input) ?? '{}', { 'content-type': 'application/json' }, 'POST')
        : send(`${spec.path}?${q(json(input))}`, undefined, {}, 'GET');
    case 'batch': {
      const paths = Array.from({ length: tr.n }, (_, i) =>
        i === tr.n - 1 && tr.mix === 'unknown'
          ? 'nope.nothing'
          : i === tr.n - 1 && tr.mix === 'otherKind'
            ? OTHER_KIND[spec.kind]
            : spec.path,
      );
      let map: unknown;
      if (tr.shape === 'map') map = Object.fromEntries(paths.map((_, i) => [String(i), input]));
      else if (tr.shape === 'array') map = paths.map(() => input);
      else if (tr.shape === 'scalar') map = input ?? 'x';
      else map = { '-1': input, [String(tr.n + 5)]: input, '1e3': input, '0': input };
      const path = `${paths.join(',')}?batch=1`;
      return isQuery ? send(`${path}&${q(json(map))}`, undefined) : send(path, json(map));
    }
    case 'url': {
      const variants = [
        `${spec.path}%ZZ`,
        `${spec.path}/extra`,
        `${spec.path}?input=%E0%A4%A`,
        `${spec.path}?input=${encodeURIComponent('{}')}&input=${encodeURIComponent(json(input) ?? 'null')}`,
        `${spec.path}?batch=0&input=${encodeURIComponent(json(input) ?? 'null')}`,
        `${spec.path}?token=abc`,
        `${spec.path.toUpperCase()}`,
        `,${spec.path},`,
      ];
      return send(variants[tr.variant]!, isQuery ? undefined : (json(input) ?? '{}'));
    }
    default:
      throw new Error(`${tr.t} is sent over a raw socket (sendRawTransport)`);
  }
}

/**
 * The transport cases over raw sockets; returns the outcome to count. A cut-off request gets no
 * answer, so the server's health is asked right after: it must still answer.
 */
async function sendRawTransport(
  ctx: Ctx,
  baseUrl: string,
  req: { method: string; path: string; headers: Record<string, string>; body?: string | Blob },
  tr: Transport,
  label: string,
): Promise<string> {
  const expectRefused = (r: WireResult, status: number, reason: string | undefined) => {
    const [env] = expectWellFormedAnswer(r, label);
    expect(r.status, label).toBe(status);
    expect(env!.error?.data.reason, label).toBe(reason);
    ctx.wire.errorBodies.push(r.text);
    return `${env!.error!.data.code}${reason ? `/${reason}` : ''}`;
  };
  // Size comes first (SPEC §9): a request line and headers past node's 16 KiB are refused 413 before
  // the URL or the headers are looked at.
  const expectRefusedAfterSize = (bytes: Buffer, r: WireResult, status: number, reason: string) =>
    bytes.indexOf('\r\n\r\n') > 16 * 1024 - 1024 && r.status === 413
      ? expectRefused(r, 413, undefined)
      : expectRefused(r, status, reason);
  switch (tr.t) {
    case 'cut': {
      const bytes = await rawHttp(baseUrl, req);
      // Never the whole request: what is cut off must run nothing and answer nothing.
      await cutAndVanish(baseUrl, bytes, Math.min(bytes.length - 1, Math.floor(tr.fraction * bytes.length)));
      const alive = await ctx.wire.send({ path: 'health' });
      expectWellFormedAnswer(alive, `${label}: health after the cut`);
      expect(alive.status, label).toBe(200);
      return 'CUT';
    }
    case 'dupAuth': {
      const bytes = await rawHttp(baseUrl, req, ['Authorization: Bearer a:b', 'authorization: Bearer c:d']);
      return expectRefusedAfterSize(bytes, await rawExchange(baseUrl, bytes), 400, 'duplicate_authorization');
    }
    case 'keyInUrl': {
      const key = [...ctx.minted][0]!;
      const [path, query = ''] = req.path.split('?');
      const sep = query ? `?${query}&` : '?';
      const variants = [
        `${path}/${key}`,
        `${path};api_key=${key}${query ? `?${query}` : ''}`,
        `${path}${sep}${encodeURIComponent(key)}=1`,
        `${path}${sep}note=${encodeURIComponent(JSON.stringify({ k: key }))}`,
        `${path}${sep}x=${key.split(':')[1]}`,
      ];
      const bytes = await rawHttp(baseUrl, { ...req, path: variants[tr.variant]! });
      return expectRefusedAfterSize(bytes, await rawExchange(baseUrl, bytes), 400, 'key_in_url');
    }
    case 'oversize': {
      const { body: _body, ...head } = req;
      const bytes = await rawHttp(baseUrl, { ...head, method: 'POST' }, ['Content-Length: 2000000']);
      return expectRefused(await rawExchange(baseUrl, bytes), 413, undefined);
    }
    default:
      throw new Error(`not a raw transport: ${tr.t}`);
  }
}

// ─── The suite ───
export function hostileInputSuite(opts: { runsPerProcedure: number; maxHuge: number; seed?: number }) {
  const seed = opts.seed ?? Number(process.env.KEYHOLE_FUZZ_SEED ?? Date.now() % 2 ** 31);
  let ctx: Ctx;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const sent = new Map<string, number>();
  const outcomes = new Map<string, Map<string, number>>();
  let refusedMutations = 0;

  beforeAll(async () => {
    const app = await createTestApp({
      env: {
        KEYHOLE_TRUST_PROXY: '1',
        KEYHOLE_RATE_LIMIT_PER_MINUTE: '1000000',
        KEYHOLE_AUTH_FAIL_LIMIT_PER_MINUTE: '1000000',
        KEYHOLE_SIGNIN_LIMIT_PER_MINUTE: '1000000',
        // One admin session sends up to 1,000 calls per procedure, faster than 600 a minute.
        KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
        KEYHOLE_SIGNUP_LIMIT_PER_HOUR: '1000000',
        KEYHOLE_LOG_LEVEL: 'trace',
        // Subscriptions to loopback URLs that nothing delivers to: no background write disturbs the
        // table fingerprints.
        KEYHOLE_WEBHOOK_ALLOW_HTTP: 'true',
        KEYHOLE_WEBHOOK_ALLOW_PRIVATE: 'true',
        KEYHOLE_WEBHOOK_WORKERS: '0',
      },
    });
    server = await startTestServer(app);
    const db = app.deps.db;
    const org = await seedOrg(db);
    const user = await seedUser(db, { orgId: org.id, role: 'admin' });
    const meetingId = await seedMeeting(db, { orgId: org.id, hostId: user.id });
    const key = await createKeyFor(app, { adminUserId: user.id, scope: 'org_full' });
    ctx = {
      app,
      wire: new Wire(server.url),
      foreign: { userId: user.id, meetingId, keyId: key.id },
      minted: new Set([key.keyString]),
      passwords: new Set([ADMIN_PASSWORD, USER_PASSWORD]),
    };
    currentCtx = ctx;
    console.log(`hostile input: seed ${seed} (set KEYHOLE_FUZZ_SEED to replay)`);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await ctx?.app.close();
    currentCtx = undefined;
  });

  describe(`hostile input over HTTP, ${opts.runsPerProcedure} requests per procedure`, () => {
    it('covers every procedure of the router', async () => {
      const { appRouter } = await import('@keyhole/api/internal/routers/app-router');
      expect(PROCEDURES.map((p) => p.path).sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
    });

    for (const [index, spec] of PROCEDURES.entries()) {
      it(spec.path, async () => {
        const f = await buildFixture(ctx);
        const arb = fc.tuple(
          spec.input(f, opts.maxHuge),
          transport(spec.kind, spec.kind === 'query' ? Math.min(opts.maxHuge, 1500) : opts.maxHuge),
          fc.nat(),
        );
        const samples = fc.sample(arb, { numRuns: opts.runsPerProcedure, seed: seed + index });
        let before: Fingerprint | null = spec.kind === 'mutation' ? await tableFingerprint(ctx.app) : null;
        for (const [i, [sample, tr, pick]] of samples.entries()) {
          const input = resolvePoolRefs(sample);
          const headers = await spec.caller(ctx, f, pick);
          if (spec.kind === 'mutation' && spec.callerWrites) before = await tableFingerprint(ctx.app);
          const req = request(spec, input, RAW_TRANSPORTS.has(tr.t) ? { t: 'normal' } : tr, headers);
          const label = `${spec.path} #${i} (seed ${seed + index}) ${tr.t} ${safeJson(input).slice(0, 200)}`;
          if (RAW_TRANSPORTS.has(tr.t)) {
            const o = await sendRawTransport(ctx, server.url, req, tr, label);
            const seen = outcomes.get(spec.path) ?? new Map<string, number>();
            seen.set(o, (seen.get(o) ?? 0) + 1);
            outcomes.set(spec.path, seen);
            if (spec.kind === 'mutation') {
              // None of these may run the mutation: cut off, or refused before any handler.
              const after = await tableFingerprint(ctx.app);
              expectUnchanged(before!, after, 0, label);
              before = after;
            }
            continue;
          }
          const r: WireResult = await ctx.wire.send(req).catch((err: unknown) => {
            throw new Error(`${label}: the request failed: ${String((err as Error).cause ?? err)}`, {
              cause: err,
            });
          });
          if (process.env.KEYHOLE_FUZZ_DEBUG === spec.path)
            console.log(label, '→', r.status, r.text.slice(0, 200));
          const envelopes = expectWellFormedAnswer(r, label);
          // Per request: OK when any call of it succeeded, else the first error code.
          const seen = outcomes.get(spec.path) ?? new Map<string, number>();
          const o = envelopes.some((e) => e.result) ? 'OK' : envelopes[0]!.error!.data.code;
          seen.set(o, (seen.get(o) ?? 0) + 1);
          outcomes.set(spec.path, seen);
          if (spec.kind !== 'mutation') continue;
          if (envelopes.some((e) => e.result)) {
            await spec.afterSuccess?.(ctx, f);
            before = await tableFingerprint(ctx.app);
            continue;
          }
          refusedMutations++;
          const after = await tableFingerprint(ctx.app);
          const auditedRefusal = spec.path === 'auth.signIn' || spec.path === 'auth.confirmPassword';
          expectUnchanged(before!, after, auditedRefusal ? envelopes.length : 0, label);
          before = after;
        }
        sent.set(spec.path, samples.length);
      }, 600_000);
    }

    it(`sent at least ${opts.runsPerProcedure} generated requests to each procedure`, () => {
      const total = [...sent.values()].reduce((a, b) => a + b, 0);
      console.log(
        `hostile input: ${total} generated requests (${opts.runsPerProcedure} to each of ${sent.size} procedures), ${refusedMutations} refused mutations left the database unchanged`,
      );
      for (const [path, seen] of outcomes) {
        console.log(`  ${path}: ${[...seen].map(([o, n]) => `${o} ${n}`).join(', ')}`);
      }
      expect(sent.size).toBe(PROCEDURES.length);
      // The generator gets past validation: most procedures answered some calls with success.
      const reached = [...outcomes.values()].filter((seen) => seen.has('OK')).length;
      expect(reached).toBeGreaterThanOrEqual(PROCEDURES.length - 4);
      for (const n of sent.values()) expect(n).toBeGreaterThanOrEqual(opts.runsPerProcedure);
      // The limits (rate, sign-in, sign-up, session, server_busy) must not hide the procedures.
      const limited = [...outcomes.values()].reduce((n, seen) => n + (seen.get('TOO_MANY_REQUESTS') ?? 0), 0);
      console.log(`hostile input: ${limited} of ${total} answers were 429`);
      expect(limited / total).toBeLessThan(0.01);
    });

    it('no secret or password in any log line, error body, audit row or table', async () => {
      await ctx.app.deps.keyUsage.flush();
      const report = await expectNoSecretsLeaked({
        database: ctx.app.database,
        texts: { log: ctx.app.logs.lines, 'error body': ctx.wire.errorBodies },
        secrets: ctx.minted,
        passwords: ctx.passwords,
      });
      console.log(`hostile input hygiene: ${JSON.stringify(report)}`);
    });
  });

  return { ctx: () => ctx };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'undefined';
  } catch {
    return String(v);
  }
}

/** Refused: every table as before, except at most `signInFailures` new sign-in failure events. */
function expectUnchanged(before: Fingerprint, after: Fingerprint, signInFailures: number, label: string) {
  const { [SIGN_IN_FAILED]: failedBefore, ...restBefore } = before;
  const { [SIGN_IN_FAILED]: failedAfter, ...restAfter } = after;
  expect(restAfter, `${label}: a refused mutation changed the database`).toEqual(restBefore);
  const added = failedAfter!.rows - failedBefore!.rows;
  expect(added, `${label}: sign-in failure events`).toBeGreaterThanOrEqual(0);
  expect(added, `${label}: sign-in failure events`).toBeLessThanOrEqual(signInFailures);
  if (added === 0) expect(failedAfter!.md5, label).toBe(failedBefore!.md5);
}
