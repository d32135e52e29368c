import { Writable } from 'node:stream';
import { SESSION_COOKIE } from '@keyhole/api/internal/auth/session-token';
import { sessions } from '@keyhole/api/internal/db/schema';
import { createLogger } from '@keyhole/api/internal/lib/logger';
import { httpMutation, httpQuery, type TrpcEnvelope, trpcRequest } from '@keyhole/testing/http';
import { uniqueIpIn } from '@keyhole/testing/ips';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { PASSWORD, uniqueEmail } from './account-helpers';

/**
 * The accounts area over real HTTP: status codes, cookies, the Origin rule, sessions ending on
 * deactivation, sign-in limits (3 per minute here, so 30 per IP) and what reaches the logs.
 */
let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  app = await createTestApp({
    env: {
      KEYHOLE_SIGNIN_LIMIT_PER_MINUTE: '3',
      // Lets each test pick its client address with X-Forwarded-For.
      KEYHOLE_TRUST_PROXY: '1',
      KEYHOLE_LOG_LEVEL: 'trace',
    },
  });
  server = await startTestServer(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

// Random, because with REDIS_URL the per-IP counters outlive this process (reruns within a minute).
const freshIp = () => uniqueIpIn('198.18');

interface CallOptions {
  input?: unknown;
  cookie?: string;
  origin?: string;
  ip?: string;
  headers?: Record<string, string>;
}

async function call(kind: 'query' | 'mutation', path: string, opts: CallOptions = {}) {
  const send = kind === 'query' ? httpQuery : httpMutation;
  const res = await send(server.url, path, opts.input, { ...opts, ip: opts.ip ?? freshIp() });
  expect(res.text).not.toMatch(/"stack"|\bat .*\.(ts|js):\d+/);
  return { res, status: res.status, body: JSON.parse(res.text) as TrpcEnvelope, setCookies: res.setCookies };
}

const sessionCookieOf = (setCookies: string[]) => {
  const c = setCookies.find((s) => s.startsWith(`${SESSION_COOKIE}=`));
  if (!c) throw new Error(`no session cookie in ${setCookies.join(' | ')}`);
  return c.split(';')[0]!;
};

async function signUp(email = uniqueEmail('http'), password = PASSWORD) {
  const r = await call('mutation', 'auth.signUp', {
    input: { orgName: 'HTTP Org', name: 'Hal', email, password },
  });
  expect(r.status).toBe(200);
  const data = r.body.result!.data as { user: { id: string }; org: { id: string } };
  return { ...data, email, password, cookie: sessionCookieOf(r.setCookies) };
}

async function addMember(adminCookie: string, role: 'admin' | 'member' = 'member') {
  const email = uniqueEmail('http-member');
  const r = await call('mutation', 'members.add', {
    cookie: adminCookie,
    input: { email, name: 'Mia', role, password: PASSWORD },
  });
  expect(r.status).toBe(200);
  const signedIn = await call('mutation', 'auth.signIn', { input: { email, password: PASSWORD } });
  expect(signedIn.status).toBe(200);
  return { user: r.body.result!.data as { id: string }, email, cookie: sessionCookieOf(signedIn.setCookies) };
}

describe('cookies and sessions over HTTP', () => {
  it('sign-up sets an HttpOnly, SameSite=Lax, 7-day cookie without Secure over plain http', async () => {
    const r = await call('mutation', 'auth.signUp', {
      input: { orgName: 'Cookie Org', name: 'Coo', email: uniqueEmail(), password: PASSWORD },
    });
    expect(r.status).toBe(200);
    expect(r.setCookies).toHaveLength(1);
    const attrs = r.setCookies[0]!.split(';').map((s) => s.trim());
    expect(attrs[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}$`));
    expect(attrs.slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=604800', 'Path=/', 'SameSite=Lax']);
    const me = await call('query', 'auth.me', { cookie: attrs[0] });
    expect(me.status).toBe(200);
    expect(me.body.result!.data).toEqual(r.body.result!.data);
  });

  it('marks the cookie Secure when the request came over HTTPS (through a trusted proxy)', async () => {
    const r = await call('mutation', 'auth.signUp', {
      input: { orgName: 'TLS Org', name: 'Tia', email: uniqueEmail(), password: PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(r.status).toBe(200);
    expect(r.setCookies[0]).toMatch(/; Secure$/);
  });

  it('auth.me answers null without a session', async () => {
    const r = await call('query', 'auth.me');
    expect(r.status).toBe(200);
    expect(r.body.result!.data).toBeNull();
  });

  it('sign-in and sign-out: the cookie works, then is cleared and stops working', async () => {
    const { email } = await signUp();
    const r = await call('mutation', 'auth.signIn', {
      input: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(r.status).toBe(200);
    const cookie = sessionCookieOf(r.setCookies);
    const out = await call('mutation', 'auth.signOut', { cookie });
    expect(out.status).toBe(200);
    expect(out.body.result!.data).toEqual({ ok: true });
    expect(out.setCookies[0]).toMatch(
      new RegExp(`^${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`),
    );
    expect((await call('query', 'auth.me', { cookie })).body.result!.data).toBeNull();
    expect((await call('query', 'org.get', { cookie })).status).toBe(401);
  });

  it("a deactivated user's open session stops working at once", async () => {
    const admin = await signUp();
    const member = await addMember(admin.cookie);
    expect((await call('query', 'org.get', { cookie: member.cookie })).status).toBe(200);
    const r = await call('mutation', 'members.setStatus', {
      cookie: admin.cookie,
      input: { userId: member.user.id, status: 'deactivated' },
    });
    expect(r.status).toBe(200);
    const after = await call('query', 'org.get', { cookie: member.cookie });
    expect(after.status).toBe(401);
    expect(after.body.error!.data.code).toBe('UNAUTHORIZED');
    expect((await call('query', 'auth.me', { cookie: member.cookie })).body.result!.data).toBeNull();
    const again = await call('mutation', 'auth.signIn', {
      input: { email: member.email, password: PASSWORD },
    });
    expect(again.status).toBe(403);
    expect(again.setCookies).toEqual([]);
  });

  it('answers a batch of queries with one result each', async () => {
    const admin = await signUp();
    const res = await trpcRequest(server.url, {
      path: `auth.me,org.get?batch=1&input=${encodeURIComponent('{}')}`,
      cookie: admin.cookie,
    });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { result: { data: { id?: string; org?: { id: string } } } }[];
    expect(body).toHaveLength(2);
    expect(body[0]!.result.data.org!.id).toBe(admin.org.id);
    expect(body[1]!.result.data.id).toBe(admin.org.id);
  });
});

describe('status codes and error bodies', () => {
  it('maps each failure to its status with code, path and reason in error.data', async () => {
    const admin = await signUp();
    const member = await addMember(admin.cookie);

    const unauth = await call('query', 'members.list');
    expect(unauth.status).toBe(401);
    expect(unauth.body.error).toMatchObject({
      code: -32001,
      data: { code: 'UNAUTHORIZED', httpStatus: 401, path: 'members.list' },
    });

    const forbidden = await call('query', 'members.list', { cookie: member.cookie });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error!.data).toMatchObject({ code: 'FORBIDDEN', reason: 'admin_required' });

    const bad = await call('mutation', 'members.add', {
      cookie: admin.cookie,
      input: { email: 'nope', name: 'N', role: 'member', password: PASSWORD },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error!.message).toMatch(/^email: /);

    const unknownField = await call('mutation', 'auth.signIn', {
      input: { email: admin.email, password: PASSWORD, rememberMe: true },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error!.message).toContain('"rememberMe"');

    const conflict = await call('mutation', 'members.add', {
      cookie: admin.cookie,
      input: { email: member.email.toUpperCase(), name: 'N', role: 'member', password: PASSWORD },
    });
    expect(conflict.status).toBe(409);

    const lastAdmin = await call('mutation', 'members.setRole', {
      cookie: admin.cookie,
      input: { userId: admin.user.id, role: 'member' },
    });
    expect(lastAdmin.status).toBe(412);
    expect(lastAdmin.body.error!.data).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'last_admin' });

    const self = await call('mutation', 'members.setStatus', {
      cookie: admin.cookie,
      input: { userId: admin.user.id, status: 'deactivated' },
    });
    expect(self.status).toBe(412);
    expect(self.body.error!.data.reason).toBe('self_deactivation');

    const notFound = await call('mutation', 'members.setRole', {
      cookie: admin.cookie,
      input: { userId: '5f0c7a52-6a8e-4c43-9d0a-3a4b8a1f2e77', role: 'admin' },
    });
    expect(notFound.status).toBe(404);

    const cursor = await call('query', 'audit.list', { cookie: admin.cookie, input: { cursor: 'garbage!' } });
    expect(cursor.status).toBe(400);
    expect(cursor.body.error!.data.reason).toBe('invalid_cursor');

    const wrong = await call('mutation', 'auth.signIn', {
      input: { email: admin.email, password: 'wrong one!' },
    });
    expect(wrong.status).toBe(401);
    const unknown = await call('mutation', 'auth.signIn', {
      input: { email: uniqueEmail(), password: 'wrong one!' },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error!.message).toBe(wrong.body.error!.message);
  });

  it('answers transport errors with their tRPC codes, never a 5xx', async () => {
    const getMutation = await call('query', 'auth.signOut');
    expect(getMutation.status).toBe(405);
    const res = await trpcRequest(server.url, {
      method: 'POST',
      path: 'auth.signIn',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    // tRPC 11 reports a body that is not JSON as BAD_REQUEST (its PARSE_ERROR is for other inputs).
    expect(res.status).toBe(400);
    expect((JSON.parse(res.text) as TrpcEnvelope).error!.data).toMatchObject({
      code: 'BAD_REQUEST',
      httpStatus: 400,
    });
  });

  it('answers FORBIDDEN signup_disabled as 403 when sign-up is off', async () => {
    const original = app.deps.config.allowSignup;
    app.deps.config.allowSignup = false;
    try {
      const r = await call('mutation', 'auth.signUp', {
        input: { orgName: 'Off', name: 'Off', email: uniqueEmail(), password: PASSWORD },
      });
      expect(r.status).toBe(403);
      expect(r.body.error!.data.reason).toBe('signup_disabled');
    } finally {
      app.deps.config.allowSignup = original;
    }
  });
});

describe('the Origin rule on mutations', () => {
  const foreign = 'https://evil.example';

  it('refuses sign-up, sign-in and session mutations from another origin with 403 origin_mismatch', async () => {
    const admin = await signUp();
    const email = uniqueEmail('csrf');
    const attempts: [string, CallOptions][] = [
      ['auth.signUp', { input: { orgName: 'X', name: 'X', email, password: PASSWORD } }],
      ['auth.signIn', { input: { email: admin.email, password: PASSWORD } }],
      [
        'auth.changePassword',
        { cookie: admin.cookie, input: { currentPassword: PASSWORD, newPassword: 'hijacked password' } },
      ],
      [
        'members.add',
        { cookie: admin.cookie, input: { email, name: 'X', role: 'admin', password: PASSWORD } },
      ],
      ['org.updateSettings', { cookie: admin.cookie, input: { orgFullKeysIncludePrivate: false } }],
      ['auth.signOut', { cookie: admin.cookie }],
    ];
    for (const origin of [foreign, 'null', server.url.replace('127.0.0.1', 'localhost')]) {
      for (const [path, opts] of attempts) {
        const r = await call('mutation', path, { ...opts, origin });
        expect(r.status, `${path} from ${origin}`).toBe(403);
        expect(r.body.error!.data).toMatchObject({ code: 'FORBIDDEN', reason: 'origin_mismatch' });
        expect(r.setCookies).toEqual([]);
      }
    }
    // Nothing happened: no account, same password, same settings, still signed in.
    const me = await call('query', 'auth.me', { cookie: admin.cookie });
    expect(me.body.result!.data).toMatchObject({
      org: { settings: { orgFullKeysIncludePrivate: true } },
    });
    const signIn = await call('mutation', 'auth.signIn', {
      input: { email: admin.email, password: PASSWORD },
    });
    expect(signIn.status).toBe(200);
    const members = await call('query', 'members.list', { cookie: admin.cookie });
    expect(members.body.result!.data).toHaveLength(1);
  });

  it('allows the same origin and requests without an Origin header', async () => {
    const email = uniqueEmail('same');
    const sameOrigin = await call('mutation', 'auth.signUp', {
      origin: server.url,
      input: { orgName: 'Same', name: 'S', email, password: PASSWORD },
    });
    expect(sameOrigin.status).toBe(200);
    const noOrigin = await call('mutation', 'auth.signIn', { input: { email, password: PASSWORD } });
    expect(noOrigin.status).toBe(200);
    const viaOrigin = await call('mutation', 'auth.signIn', {
      origin: server.url,
      input: { email, password: PASSWORD },
    });
    expect(viaOrigin.status).toBe(200);
  });

  it('does not apply to queries', async () => {
    const admin = await signUp();
    const r = await call('query', 'org.get', { cookie: admin.cookie, origin: foreign });
    expect(r.status).toBe(200);
  });
});

describe('sign-in limits over HTTP', () => {
  it('answers 429 with Retry-After past the (email, IP) limit, and another IP still signs in', async () => {
    const { email } = await signUp();
    const ip = freshIp();
    for (let i = 0; i < 3; i++) {
      const r = await call('mutation', 'auth.signIn', { ip, input: { email, password: 'guessing wrong' } });
      expect(r.status).toBe(401);
    }
    const limited = await call('mutation', 'auth.signIn', { ip, input: { email, password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(limited.body.error!.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', reason: 'rate_limited' });
    const retryAfter = limited.res.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect(limited.setCookies).toEqual([]);
    // The owner, elsewhere, is not locked out.
    const elsewhere = await call('mutation', 'auth.signIn', {
      ip: freshIp(),
      input: { email, password: PASSWORD },
    });
    expect(elsewhere.status).toBe(200);
    // Another account from the limited IP is fine too: the pair, not the IP, hit its limit.
    const other = await signUp();
    const otherFromIp = await call('mutation', 'auth.signIn', {
      ip,
      input: { email: other.email, password: PASSWORD },
    });
    expect(otherFromIp.status).toBe(200);
  });

  it('limits one IP to ten times the pair limit across emails', async () => {
    const { email } = await signUp();
    const ip = freshIp();
    for (let i = 0; i < 30; i++) {
      const r = await call('mutation', 'auth.signIn', {
        ip,
        input: { email: uniqueEmail('spray'), password: 'spraying passwords' },
      });
      expect(r.status).toBe(401);
    }
    const limited = await call('mutation', 'auth.signIn', { ip, input: { email, password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const elsewhere = await call('mutation', 'auth.signIn', {
      ip: freshIp(),
      input: { email, password: PASSWORD },
    });
    expect(elsewhere.status).toBe(200);
  });
});

describe('user agents in the audit log (SPEC §9 "Logs")', () => {
  it('are cut to 512 characters, in the audit log and on the session row', async () => {
    const userAgent = `Mozilla/5.0 ${'x'.repeat(12_000)} tail-marker`;
    const email = uniqueEmail('ua');
    const up = await call('mutation', 'auth.signUp', {
      input: { orgName: 'UA Org', name: 'Ua', email, password: PASSWORD },
      headers: { 'user-agent': userAgent },
    });
    expect(up.status).toBe(200);
    const cookie = sessionCookieOf(up.setCookies);
    const wrong = await call('mutation', 'auth.signIn', {
      input: { email, password: 'not the password' },
      headers: { 'user-agent': userAgent },
    });
    expect(wrong.status).toBe(401);
    const audit = await call('query', 'audit.list', { cookie, input: {} });
    expect(audit.status).toBe(200);
    const items = (audit.body.result!.data as { items: { action: string; userAgent: string | null }[] })
      .items;
    expect(items.map((i) => i.action).sort()).toEqual(['auth.sign_in_failed', 'auth.signed_up']);
    for (const item of items) expect(item.userAgent).toBe(userAgent.slice(0, 512));
    const rows = await app.deps.db.select({ userAgent: sessions.userAgent }).from(sessions);
    expect(Math.max(...rows.map((r) => r.userAgent?.length ?? 0))).toBeLessThanOrEqual(512);
  });
});

/** Collects pino output for the redaction check. */
class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.lines.push(chunk.toString('utf8'));
    cb();
  }
}

describe('logs', () => {
  it('hold no password or session token after sign-up, sign-in, change-password and sign-out', async () => {
    const before = app.logs.lines.length;
    const email = uniqueEmail('logs');
    const first = 'first log-test password';
    const second = 'second log-test password';
    const secrets: string[] = [first, second];
    const up = await call('mutation', 'auth.signUp', {
      input: { orgName: 'Logs', name: 'L', email, password: first },
    });
    secrets.push(sessionCookieOf(up.setCookies).split('=')[1]!);
    const wrong = await call('mutation', 'auth.signIn', { input: { email, password: `${first}-typo` } });
    expect(wrong.status).toBe(401);
    secrets.push(`${first}-typo`);
    const inn = await call('mutation', 'auth.signIn', { input: { email, password: first } });
    const cookie = sessionCookieOf(inn.setCookies);
    secrets.push(cookie.split('=')[1]!);
    const changed = await call('mutation', 'auth.changePassword', {
      cookie,
      input: { currentPassword: first, newPassword: second },
    });
    expect(changed.status).toBe(200);
    const bad = await call('mutation', 'auth.changePassword', {
      cookie,
      input: { currentPassword: 'not the current one', newPassword: 'x' },
    });
    expect(bad.status).toBe(400);
    secrets.push('not the current one');
    const added = await call('mutation', 'members.add', {
      cookie,
      input: { email: uniqueEmail(), name: 'M', role: 'member', password: 'a member password' },
    });
    expect(added.status).toBe(200);
    secrets.push('a member password');
    // A query carries its input in the URL: it must not reach the log either.
    await call('query', 'audit.list', { cookie, input: { cursor: 'c2VjcmV0LWN1cnNvci12YWx1ZQ' } });
    secrets.push('c2VjcmV0LWN1cnNvci12YWx1ZQ');
    expect((await call('mutation', 'auth.signOut', { cookie })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const logged = app.logs.lines.slice(before);
    expect(logged.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(8);
    const text = logged.join('\n');
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toContain(SESSION_COOKIE);
  });

  it('redact credentials and passwords wherever a call site puts them', () => {
    const out = new Lines();
    const logger = createLogger('trace', out);
    const secret = 'kh_abcdefghijklmnopqrstuv:khs_SECRETSECRETSECRET';
    logger.info({
      req: { headers: { authorization: `Bearer ${secret}`, cookie: `${SESSION_COOKIE}=tok1` } },
      res: { headers: { 'set-cookie': `${SESSION_COOKIE}=tok2` } },
      headers: { authorization: `Basic ${secret}`, cookie: 'tok3' },
      authorization: secret,
      password: 'pw1',
      currentPassword: 'pw2',
      newPassword: 'pw3',
      token: 'tok4',
      secret,
      keyString: secret,
      input: { password: 'pw4' },
      user: { password: 'pw5', token: 'tok5', secret },
    });
    const text = out.lines.join('');
    for (const s of [
      'SECRETSECRET',
      'tok1',
      'tok2',
      'tok3',
      'tok4',
      'tok5',
      'pw1',
      'pw2',
      'pw3',
      'pw4',
      'pw5',
    ]) {
      expect(text).not.toContain(s);
    }
    expect(text).toContain('[redacted]');
  });
});
