import { apiKeys, auditEvents, webhookSubscriptions } from '@keyhole/api/internal/db/schema';
import { ManualClock } from '@keyhole/api/internal/lib/clock';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { importLegacyKey } from '@keyhole/api/internal/services/keys/import-legacy-key';
import { generateKey, SECRET_CHECKSUM_LENGTH } from '@keyhole/core';
import { callError } from '@keyhole/testing/errors';
import { httpQuery } from '@keyhole/testing/http';
import { uniqueIp } from '@keyhole/testing/ips';
import { and, asc, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrgWithAdmin } from '../keys/key-test-helpers';
import { tableFingerprint } from '../security/db-fingerprint';
import { rawExchange } from '../security/wire';
import { createKeyFor, keyRequest } from '../support/keys';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { LOOPBACK_DELIVERY_ENV } from '../webhooks/receiver';
import {
  type GithubScanner,
  githubScanner,
  report,
  reportBody,
  sendReport,
  signBody,
  tokenHash,
} from './github-scanner';

/**
 * SPEC §12 over real HTTP: reports signed like GitHub's (a key pair made here, two keys listed as
 * during a rotation) reach `POST /secret-scanning/github`; what they do is read back from the API and
 * the database.
 */
const LIMIT = 5;
let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let scanner: GithubScanner;
const clock = new ManualClock();

beforeAll(async () => {
  scanner = githubScanner();
  app = await createTestApp({
    clock,
    env: {
      ...LOOPBACK_DELIVERY_ENV,
      KEYHOLE_WEBHOOK_WORKERS: '0',
      KEYHOLE_SECRET_SCANNING_KEYS_FILE: scanner.file,
      KEYHOLE_SECRET_SCANNING_LIMIT_PER_MINUTE: String(LIMIT),
      // Each test reports from addresses of its own (X-Forwarded-For): the limit is per client IP.
      KEYHOLE_TRUST_PROXY: '1',
    },
  });
  server = await startTestServer(app);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

async function whoamiStatus(keyString: string): Promise<number> {
  const res = await httpQuery(server.url, 'whoami', undefined, {
    authorization: `Bearer ${keyString}`,
    ip: uniqueIp(),
  });
  return res.status;
}

/** An org with an admin and three keys; the first has two webhook subscriptions. */
async function world() {
  const team = await newOrgWithAdmin(app);
  const leaked = await createKeyFor(app, { adminUserId: team.admin.id, scope: 'org_limited', name: 'Leaky' });
  const others = [
    await createKeyFor(app, { adminUserId: team.admin.id, scope: 'org_full', name: 'Kept 1' }),
    await createKeyFor(app, { adminUserId: team.admin.id, scope: 'org_limited', name: 'Kept 2' }),
  ];
  const asKey = app.caller(keyRequest(leaked.keyString));
  const subs = [
    await asKey.webhooks.subscribe({ url: 'http://127.0.0.1:9/a', events: ['meeting.created'] }),
    await asKey.webhooks.subscribe({ url: 'http://127.0.0.1:9/b', events: ['meeting.updated'] }),
  ].map((s) => s.subscription);
  return { ...team, leaked, others, subs };
}

const keyRow = async (id: string) => (await app.deps.db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0]!;
const subsOf = (keyId: string) =>
  app.deps.db
    .select()
    .from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.keyId, keyId))
    .orderBy(asc(webhookSubscriptions.url));
const auditOf = (orgId: string, action: string) =>
  app.deps.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)))
    .orderBy(asc(auditEvents.at), asc(auditEvents.id));

/** A secret with one checksum character changed: the right shape, a failing checksum. */
function badChecksum(secret: string): string {
  const last = secret.at(-1)!;
  return secret.slice(0, -1) + (last === 'a' ? 'b' : 'a');
}

/** Counts every statement this process sends (the job queue's polling aside) while `fn` runs. */
async function statementsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const stop = app.database.onStatement((sql) => seen.push(sql));
  try {
    await fn();
  } finally {
    stop();
  }
  return seen;
}

describe('POST /secret-scanning/github: a live key reported (SPEC §12)', () => {
  it('revokes it within the request (actor system), leaves other keys alone, audits, keeps its webhooks disabled', async () => {
    const w = await world();
    const url = 'https://github.com/acme/app/blob/main/.env';
    const otherRowsBefore = await Promise.all(w.others.map((k) => keyRow(k.id)));
    const res = await report(server.url, scanner, [{ token: w.leaked.keyString, url, source: 'commit' }]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json).toEqual([
      { token_hash: tokenHash(w.leaked.keyString), token_type: 'keyhole_api_key', label: 'true_positive' },
    ]);
    // Refused at once by this process, the others untouched (rows and credentials).
    expect(await whoamiStatus(w.leaked.keyString)).toBe(401);
    for (const k of w.others) expect(await whoamiStatus(k.keyString)).toBe(200);
    const otherRowsAfter = await Promise.all(w.others.map((k) => keyRow(k.id)));
    expect(otherRowsAfter.map(({ lastUsedAt: _, ...r }) => r)).toEqual(
      otherRowsBefore.map(({ lastUsedAt: _, ...r }) => r),
    );
    const row = await keyRow(w.leaked.id);
    expect(row).toMatchObject({
      secretHash: null,
      secretCiphertext: null,
      revokedForLeak: true,
      leakedUrl: url,
    });
    expect(row.revokedAt).not.toBeNull();

    const list = await w.caller.keys.list();
    expect(list.keys.map((k) => k.id).sort()).toEqual(w.others.map((k) => k.id).sort());
    expect(list.used).toBe(2);
    expect(list.revokedForLeak).toEqual([
      {
        id: w.leaked.id,
        name: 'Leaky',
        clientKey: w.leaked.clientKey,
        leakedAt: row.leakedAt!.toISOString(),
        leakedUrl: url,
      },
    ]);

    const [leakedEvent] = await auditOf(w.org.id, 'key.leaked');
    expect(leakedEvent).toMatchObject({
      actorType: 'system',
      actorId: null,
      targetType: 'api_key',
      targetId: w.leaked.id,
      targetName: 'Leaky',
      details: { url, source: 'commit', action: 'revoked', which: 'current', clientKey: w.leaked.clientKey },
    });
    const secret = w.leaked.keyString.split(':')[1]!;
    const stored = JSON.stringify(
      await app.deps.db.select().from(auditEvents).where(eq(auditEvents.orgId, w.org.id)),
    );
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(tokenHash(w.leaked.keyString));
    expect(await auditOf(w.org.id, 'key.revoked')).toMatchObject([
      { actorType: 'system', targetId: w.leaked.id, details: { reason: 'leaked', webhooksDisabled: 2 } },
    ]);
    // The audit filter finds it.
    const filtered = await w.caller.audit.list({ action: 'key.leaked' });
    expect(filtered.items.map((e) => [e.action, e.actor?.type, e.target?.id])).toEqual([
      ['key.leaked', 'system', w.leaked.id],
    ]);

    // Subscriptions kept for the record, disabled key_leaked, each audited; never enabled again.
    const subs = await subsOf(w.leaked.id);
    const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
    expect([...subs].sort(byId).map((s) => [s.id, s.enabled, s.disabledReason])).toEqual(
      [...w.subs].sort(byId).map((s) => [s.id, false, 'key_leaked']),
    );
    expect((await auditOf(w.org.id, 'webhook.disabled')).map((e) => e.details)).toEqual([
      { keyId: w.leaked.id, reason: 'key_leaked' },
      { keyId: w.leaked.id, reason: 'key_leaked' },
    ]);
    const refusal = await callError(w.caller.webhooks.setEnabled({ id: w.subs[0]!.id, enabled: true }));
    expect(refusal).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'webhook_key_revoked' });
    expect((await subsOf(w.leaked.id))[0]!.enabled).toBe(false);

    // A repeat of the same report: false_positive, and nothing written.
    const before = await tableFingerprint(app);
    const again = await report(server.url, scanner, [{ token: w.leaked.keyString, url }]);
    expect(again.json).toEqual([
      { token_hash: tokenHash(w.leaked.keyString), token_type: 'keyhole_api_key', label: 'false_positive' },
    ]);
    expect(await tableFingerprint(app)).toEqual(before);
  });

  it('finds a key by its secret alone (scanners often match only the secret)', async () => {
    const w = await world();
    const secret = w.leaked.keyString.split(':')[1]!;
    const res = await report(server.url, scanner, [{ token: secret, type: 'keyhole_secret' }]);
    expect(res.json).toEqual([
      { token_hash: tokenHash(secret), token_type: 'keyhole_secret', label: 'true_positive' },
    ]);
    expect(await whoamiStatus(w.leaked.keyString)).toBe(401);
    expect(await whoamiStatus(w.others[0]!.keyString)).toBe(200);
  });

  it('notify orgs: the key keeps working, flagged on its KeyView; a repeat writes nothing unless the URL is new; regenerate clears it', async () => {
    const w = await world();
    expect(await w.caller.org.updateSettings({ leakedKeyAction: 'notify' })).toMatchObject({
      leakedKeyAction: 'notify',
    });
    const url = 'https://github.com/acme/app/blob/main/config.js';
    const res = await report(server.url, scanner, [{ token: w.leaked.keyString, url }]);
    expect(res.json).toMatchObject([{ label: 'true_positive' }]);
    expect(await whoamiStatus(w.leaked.keyString)).toBe(200);
    const view = (await w.caller.keys.list()).keys.find((k) => k.id === w.leaked.id)!;
    expect(view.leakedUrl).toBe(url);
    expect(view.leakedAt).toBe(app.clock.now().toISOString());
    expect((await w.caller.keys.list()).revokedForLeak).toEqual([]);
    expect(await auditOf(w.org.id, 'key.leaked')).toMatchObject([
      { actorType: 'system', details: { url, action: 'flagged', which: 'current', webhooksDisabled: 2 } },
    ]);
    expect((await subsOf(w.leaked.id)).map((s) => s.disabledReason)).toEqual(['key_leaked', 'key_leaked']);
    // Re-enabling a flagged (still live) key's subscription is the admin's call.
    expect(await w.caller.webhooks.setEnabled({ id: w.subs[0]!.id, enabled: true })).toMatchObject({
      enabled: true,
      disabledReason: null,
    });

    const before = await tableFingerprint(app);
    const repeat = await report(server.url, scanner, [{ token: w.leaked.keyString, url }]);
    expect(repeat.json).toMatchObject([{ label: 'true_positive' }]);
    expect(await tableFingerprint(app)).toEqual(before);

    clock.advance(60_000);
    const elsewhere = 'https://gist.github.com/someone/abc';
    await report(server.url, scanner, [{ token: w.leaked.keyString, url: elsewhere }]);
    const again = (await w.caller.keys.list()).keys.find((k) => k.id === w.leaked.id)!;
    expect(again).toMatchObject({ leakedAt: view.leakedAt, leakedUrl: elsewhere });
    expect((await auditOf(w.org.id, 'key.leaked')).map((e) => e.details.url)).toEqual([url, elsewhere]);
    // The subscription the admin re-enabled is stopped again by the new leak.
    expect((await subsOf(w.leaked.id)).every((s) => !s.enabled)).toBe(true);

    const regenerated = await w.caller.keys.regenerate({ id: w.leaked.id });
    expect(regenerated.key).toMatchObject({ leakedAt: null, leakedUrl: null });
    // Revoked by its admin later: not a leak revoke, not listed in revokedForLeak.
    await w.caller.keys.revoke({ id: w.leaked.id });
    expect((await w.caller.keys.list()).revokedForLeak).toEqual([]);
  });

  it('a leaked previous secret (overlap running) ends the overlap only: the current secret is neither revoked nor flagged', async () => {
    const w = await world();
    const { secret: current } = await w.caller.keys.regenerate({
      id: w.leaked.id,
      previousSecretValidForSeconds: 3600,
    });
    expect(await whoamiStatus(w.leaked.keyString)).toBe(200);
    const res = await report(server.url, scanner, [{ token: w.leaked.keyString }]);
    expect(res.json).toMatchObject([{ label: 'true_positive' }]);
    expect(await whoamiStatus(w.leaked.keyString)).toBe(401);
    expect(await whoamiStatus(current)).toBe(200);
    expect(await keyRow(w.leaked.id)).toMatchObject({
      previousSecretHash: null,
      previousSecretValidUntil: null,
      revokedAt: null,
      leakedAt: null,
    });
    expect((await w.caller.keys.list()).keys.find((k) => k.id === w.leaked.id)).toMatchObject({
      leakedAt: null,
      leakedUrl: null,
    });
    expect(await auditOf(w.org.id, 'key.leaked')).toMatchObject([
      { actorType: 'system', details: { which: 'previous', action: 'overlap_ended' } },
    ]);
    // Reported again: the old secret is dead, nothing left to do.
    const again = await report(server.url, scanner, [{ token: w.leaked.keyString }]);
    expect(again.json).toMatchObject([{ label: 'false_positive' }]);
  });

  it('finds an imported legacy key (no prefixes, no checksum) by exact match, as a string or its secret', async () => {
    const team = await newOrgWithAdmin(app);
    const tag = team.org.id.slice(0, 8);
    const legacyString = `legacy-${tag}.client:Old.Secret-${tag}-value`;
    const imported = await importLegacyKey(app.deps, systemActor(team.org.id), {
      name: 'Old job',
      keyString: legacyString,
    });
    expect(await whoamiStatus(legacyString)).toBe(200);
    const nearMiss = `legacy-${tag}.client:Old.Secret-${tag}-valuE`;
    const miss = await report(server.url, scanner, [{ token: nearMiss }]);
    expect(miss.json).toMatchObject([{ label: 'false_positive' }]);
    expect(await whoamiStatus(legacyString)).toBe(200);
    const res = await report(server.url, scanner, [{ token: legacyString }]);
    expect(res.json).toMatchObject([{ label: 'true_positive' }]);
    expect(await whoamiStatus(legacyString)).toBe(401);
    expect((await team.caller.keys.list()).revokedForLeak.map((k) => k.id)).toEqual([imported.key.id]);

    const second = await importLegacyKey(app.deps, systemActor(team.org.id), {
      name: 'Old job 2',
      keyString: `legacy2-${tag}:Second-${tag}-secret`,
    });
    const bySecret = await report(server.url, scanner, [{ token: `Second-${tag}-secret` }]);
    expect(bySecret.json).toMatchObject([{ label: 'true_positive' }]);
    expect((await keyRow(second.key.id)).revokedAt).not.toBeNull();
  });

  it('expired keys and keys of deactivated users are still revoked: a published secret is dangerous if the key is later extended or its user reactivated', async () => {
    const team = await newOrgWithAdmin(app);
    const expiring = await createKeyFor(app, {
      adminUserId: team.admin.id,
      scope: 'org_limited',
      expiresAt: new Date(app.clock.now().getTime() + 1000),
    });
    clock.advance(5000);
    expect(await whoamiStatus(expiring.keyString)).toBe(401);
    const res = await report(server.url, scanner, [{ token: expiring.keyString }]);
    expect(res.json).toMatchObject([{ label: 'true_positive' }]);
    expect((await keyRow(expiring.id)).revokedForLeak).toBe(true);
  });
});

describe('tokens that are no live key: false_positive', () => {
  it('unknown, revoked, checksum-failing and foreign tokens, answered in input order; checksum failures cost no statement', async () => {
    const team = await newOrgWithAdmin(app);
    const live = await createKeyFor(app, { adminUserId: team.admin.id, scope: 'org_limited' });
    const revoked = await createKeyFor(app, { adminUserId: team.admin.id, scope: 'org_limited' });
    await team.caller.keys.revoke({ id: revoked.id });
    const [clientKey, secret] = live.keyString.split(':') as [string, string];
    const checksumFailures = [
      `${clientKey}:${badChecksum(secret)}`,
      badChecksum(secret),
      // Truncated: the shape fails before the checksum is even computed.
      secret.slice(0, -SECRET_CHECKSUM_LENGTH),
      `${clientKey}:${secret.slice(0, -1)}`,
    ];
    const before = await tableFingerprint(app);
    let res: Awaited<ReturnType<typeof report>> | undefined;
    const statements = await statementsDuring(async () => {
      res = await report(
        server.url,
        scanner,
        checksumFailures.map((token) => ({ token })),
      );
    });
    expect(res!.status).toBe(200);
    expect(res!.json).toEqual(
      checksumFailures.map((t) => ({
        token_hash: tokenHash(t),
        token_type: 'keyhole_api_key',
        label: 'false_positive',
      })),
    );
    // The proof of "no database read or write": not one statement left this process.
    expect(statements).toEqual([]);
    expect(await tableFingerprint(app)).toEqual(before);
    // The same count sees the look-up a well-formed token does cost.
    const looked = await statementsDuring(() =>
      report(server.url, scanner, [{ token: generateKey().secret }]),
    );
    expect(looked.some((sql) => /from "api_keys"/i.test(sql))).toBe(true);

    const tokens = [
      generateKey().keyString, // well formed, never issued
      generateKey().secret,
      revoked.keyString,
      'ghp_16C7e42F292c6912E7710c838347Ae178B4a', // another vendor's format
      'AKIAIOSFODNN7EXAMPLE',
      'not a key at all',
      live.clientKey, // the public half alone
    ];
    const mixed = await report(
      server.url,
      scanner,
      tokens.map((token) => ({ token, type: 'x' })),
    );
    expect(mixed.json).toEqual(
      tokens.map((t) => ({ token_hash: tokenHash(t), token_type: 'x', label: 'false_positive' })),
    );
    expect(await tableFingerprint(app)).toEqual(before);
    expect(await whoamiStatus(live.keyString)).toBe(200);
  });
});

describe('refused reports change nothing', () => {
  it('missing or bad signature, unknown key id, signature over other bytes: 401', async () => {
    const team = await newOrgWithAdmin(app);
    const live = await createKeyFor(app, { adminUserId: team.admin.id, scope: 'org_limited' });
    const body = reportBody([{ token: live.keyString }]);
    const [current] = scanner.keys;
    const before = await tableFingerprint(app);
    const cases = [
      { signature: null },
      { keyId: null },
      { keyId: null, signature: null },
      { keyId: 'f'.repeat(64) },
      { signature: signBody(current!.privateKey, `${body} `) },
      { signature: 'not base64!' },
      { signature: Buffer.from('x').toString('base64') },
      // Signed by the other listed key but named as this one.
      { keyId: current!.id, signWith: scanner.keys[1]! },
    ];
    for (const opts of cases) {
      const res = await sendReport(server.url, scanner, body, {
        ...opts,
        ...(opts.signWith && opts.keyId ? { signature: signBody(opts.signWith.privateKey, body) } : {}),
      });
      expect(res.status, JSON.stringify(opts)).toBe(401);
      expect(res.json).toMatchObject({ error: { code: 'UNAUTHORIZED', reason: expect.any(String) } });
    }
    expect(await tableFingerprint(app)).toEqual(before);
    expect(await whoamiStatus(live.keyString)).toBe(200);
    // The other listed key (rotation) is as good as the current one.
    const rotated = await sendReport(server.url, scanner, body, { signWith: scanner.keys[1]! });
    expect(rotated.json).toMatchObject([{ label: 'true_positive' }]);
  });

  it('over 1 MiB (declared or chunked) or over 1,000 tokens: 413', async () => {
    const team = await newOrgWithAdmin(app);
    const live = await createKeyFor(app, { adminUserId: team.admin.id, scope: 'org_limited' });
    const before = await tableFingerprint(app);
    const tokens = [{ token: live.keyString, url: 'x'.repeat(1024 * 1024) }];
    const big = Buffer.from(reportBody(tokens));
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const exactlyOver = Buffer.concat([
      Buffer.from(reportBody([{ token: live.keyString }])),
      Buffer.alloc(1024 * 1024 + 1 - Buffer.byteLength(reportBody([{ token: live.keyString }])), 0x20),
    ]);
    expect(exactlyOver.length).toBe(1024 * 1024 + 1);
    for (const bytes of [big, exactlyOver]) {
      const res = await sendReport(server.url, scanner, bytes);
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    }
    const chunked = await rawExchange(
      server.url,
      Buffer.concat([
        Buffer.from(
          `POST /secret-scanning/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nGithub-Public-Key-Identifier: ${scanner.keys[0]!.id}\r\nGithub-Public-Key-Signature: ${signBody(scanner.keys[0]!.privateKey, exactlyOver)}\r\nX-Forwarded-For: ${uniqueIp()}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${exactlyOver.length.toString(16)}\r\n`,
        ),
        exactlyOver,
        Buffer.from('\r\n0\r\n\r\n'),
      ]),
    );
    expect(chunked.status).toBe(413);
    const many = Array.from({ length: 1001 }, () => ({ token: live.keyString }));
    const tooMany = await report(server.url, scanner, many);
    expect(tooMany.status).toBe(413);
    expect(tooMany.json).toMatchObject({
      error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/1000 tokens/) },
    });
    expect(await tableFingerprint(app)).toEqual(before);
    expect(await whoamiStatus(live.keyString)).toBe(200);
    // 1,000 is allowed (all the same token: one look-up, one revoke, the same answer each time).
    const thousand = await report(server.url, scanner, many.slice(0, 1000));
    expect(thousand.status).toBe(200);
    expect((thousand.json as { label: string }[]).every((a) => a.label === 'true_positive')).toBe(true);
  });

  it('a signed body that is not the payload: 400 naming the field', async () => {
    for (const [body, field] of [
      ['{not json', 'body'],
      ['{"token":"x"}', 'body'],
      ['[1]', '[0]'],
      ['[{"type":"t"}]', '[0].token'],
      ['[{"token":"a"},{"token":"b","url":5}]', '[1].url'],
      ['[{"token":"a","source":"\\u0000"}]', '[0].source'],
    ] as const) {
      const res = await sendReport(server.url, scanner, body);
      expect(res.status, body).toBe(400);
      expect(res.json).toMatchObject({
        error: { code: 'BAD_REQUEST', message: expect.stringContaining(field) },
      });
    }
  });

  it('any other method is 405 with Allow: POST', async () => {
    const res = await sendReport(server.url, scanner, '', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.json).toMatchObject({ error: { code: 'METHOD_NOT_SUPPORTED' } });
  });

  it('rate limited per client IP: 429 with Retry-After, other addresses unaffected', async () => {
    const ip = uniqueIp();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      statuses.push((await sendReport(server.url, scanner, reportBody([{ token: 'x' }]), { ip })).status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429, 429]);
    const limited = await sendReport(server.url, scanner, '[]', { ip });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.json).toMatchObject({ error: { code: 'TOO_MANY_REQUESTS', reason: 'rate_limited' } });
    // Unsigned requests count too: the budget protects the signature check itself.
    const other = uniqueIp();
    for (let i = 0; i < LIMIT; i++)
      await sendReport(server.url, scanner, '[]', { ip: other, signature: null });
    expect((await sendReport(server.url, scanner, '[]', { ip: other })).status).toBe(429);
    expect((await sendReport(server.url, scanner, '[]')).status).toBe(200);
  });

  it('never logs a token', async () => {
    const team = await newOrgWithAdmin(app);
    const live = await createKeyFor(app, { adminUserId: team.admin.id, scope: 'org_limited' });
    await report(server.url, scanner, [{ token: live.keyString }]);
    const secret = live.keyString.split(':')[1]!;
    expect(app.logs.text()).not.toContain(secret);
    expect(app.logs.text()).toContain('"truePositives":1');
  });
});

describe('hostile input', () => {
  it('generated bodies and headers, signed or not, never cause a 5xx, always answer the JSON envelope, and change nothing', async () => {
    const team = await newOrgWithAdmin(app);
    const live = await createKeyFor(app, { adminUserId: team.admin.id, scope: 'org_limited' });
    const before = await tableFingerprint(app);
    const token = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(
        badChecksum(live.keyString),
        `${live.clientKey}:`,
        ':',
        'khs_',
        `kh_:${live.keyString}`,
      ),
    );
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json(),
      fc
        .array(
          fc.record(
            { token, type: fc.anything(), url: fc.anything(), source: fc.anything() },
            { requiredKeys: [] },
          ),
          {
            maxLength: 5,
          },
        )
        .map((items) => JSON.stringify(items)),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.boolean(),
        fc.option(fc.string({ maxLength: 100 })),
        fc.option(fc.string({ maxLength: 200 })),
        async (text, signed, keyId, signature) => {
          const res = await sendReport(server.url, scanner, text, signed ? {} : { keyId, signature });
          expect(res.status, text).toBeLessThan(500);
          expect(res.headers.get('content-type')).toBe('application/json');
          if (res.status !== 200) {
            expect(res.json).toMatchObject({
              error: { code: expect.any(String), message: expect.any(String) },
            });
          } else {
            for (const a of res.json as { label: string }[]) expect(a.label).toBe('false_positive');
          }
        },
      ),
      { numRuns: 150 },
    );
    expect(await tableFingerprint(app)).toEqual(before);
    expect(await whoamiStatus(live.keyString)).toBe(200);
  });
});

describe('the endpoint switched off', () => {
  it('is 404 saying how to enable it, when no keys file is configured', async () => {
    const off = await createTestApp({ database: app.database });
    const offServer = await startTestServer(off);
    try {
      const res = await sendReport(offServer.url, scanner, '[]');
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({
        error: {
          code: 'NOT_FOUND',
          reason: 'secret_scanning_disabled',
          message: expect.stringContaining('KEYHOLE_SECRET_SCANNING_KEYS_FILE'),
        },
      });
    } finally {
      await offServer.close();
      // Its background work only: the database is the other app's.
      for (const stop of [...off.deps.onClose].reverse()) await stop();
    }
  });
});
