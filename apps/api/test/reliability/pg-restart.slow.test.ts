import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcess } from '../support/api-process';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres';

/**
 * Issue 13, finding 1: `pg_ctl restart` (fast or immediate) under a burst of `keys.create` /
 * `keys.revoke` ended a real `keyhole serve` process with `TypeError: Cannot read properties of null
 * (reading 'write') at Immediate.nextWrite` from postgres.js 3.4.9 (a transaction's ROLLBACK written
 * on a connection whose socket had closed). With patches/postgres@3.4.9.patch the process survives
 * every restart on its own: no crash, and nothing reaches the last-resort handler either (the fix is
 * at the cause, not the net). Runs against a private PostgreSQL 15 cluster, never the shared one.
 */

const RESTARTS = [
  'fast',
  'immediate',
  'fast',
  'immediate',
  'immediate',
  'fast',
  'immediate',
  'fast',
] as const;
const WORKERS = 8;
const REQUEST_BOUND_MS = 20_000;

let pg: PrivatePostgres;
let server: ApiProcess;
let cookie = '';

beforeAll(async () => {
  pg = await startPrivatePostgres({ name: 'restart' });
  server = await startApiProcess({
    name: 'pg-restart',
    databaseUrl: pg.url,
    dropEnv: ['REDIS_URL'],
    env: {
      KEYHOLE_PASSWORD_COST: '10',
      KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
      KEYHOLE_RATE_LIMIT_PER_MINUTE: '1000000',
      KEYHOLE_LOG_LEVEL: 'info',
    },
  });
  const res = await fetch(`${server.url}/trpc/auth.signUp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      orgName: 'Restart Org',
      name: 'Ada Admin',
      email: 'ada@restart.test',
      password: 'correct horse battery staple 42',
    }),
  });
  expect(res.status).toBe(200);
  cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  expect(cookie).not.toBe('');
}, 120_000);

afterAll(async () => {
  await server?.kill();
  await pg?.kill();
});

type Outcome = 'ok' | 'refused' | '5xx' | 'network' | 'timeout';

/** A mutation (POST) with `input`, or a query (GET) without. */
async function call(path: string, input?: unknown): Promise<{ outcome: Outcome; data?: unknown }> {
  try {
    const query = input === undefined;
    const res = await fetch(`${server.url}/trpc/${path}`, {
      method: query ? 'GET' : 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: query ? undefined : JSON.stringify(input),
      signal: AbortSignal.timeout(REQUEST_BOUND_MS),
    });
    const body = (await res.json().catch(() => ({}))) as { result?: { data?: unknown } };
    if (res.status === 200) return { outcome: 'ok', data: body.result?.data };
    return { outcome: res.status >= 500 ? '5xx' : 'refused' };
  } catch (err) {
    return { outcome: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network' };
  }
}

describe('PostgreSQL restarts during a create/revoke burst', () => {
  it('the process survives every restart, without reaching the last-resort handler', async () => {
    const counts: Record<Outcome, number> = { ok: 0, refused: 0, '5xx': 0, network: 0, timeout: 0 };
    let sent = 0;
    let running = true;
    const worker = async (w: number) => {
      for (let n = 0; running; n++) {
        sent++;
        const created = await call('keys.create', { name: `restart ${w}.${n}`, scope: 'org_full' });
        counts[created.outcome]++;
        const id = (created.data as { key?: { id?: string } } | undefined)?.key?.id;
        if (id) {
          sent++;
          const revoked = await call('keys.revoke', { id });
          counts[revoked.outcome]++;
        }
        if (created.outcome !== 'ok') await new Promise((r) => setTimeout(r, 25));
      }
    };
    const started = Date.now();
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
    let restarts = 0;
    try {
      for (const mode of RESTARTS) {
        await new Promise((r) => setTimeout(r, 700));
        expect(server.child.exitCode, server.output.join('')).toBeNull();
        await pg.restart(mode);
        restarts++;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      running = false;
      await Promise.all(workers);
    }

    // It serves again by itself once PostgreSQL is back.
    const recovered = Date.now();
    let healthy = false;
    while (!healthy && Date.now() - recovered < 30_000) {
      healthy = (await call('keys.list')).outcome === 'ok';
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    const health = await fetch(`${server.url}/healthz`);
    const output = server.output.join('');
    console.log(
      `[pg-restart] ${restarts} restarts (${RESTARTS.join(',')}) in ${recovered - started} ms; ` +
        `${sent} requests sent by ${WORKERS} workers: ${JSON.stringify(counts)}; ` +
        `serving again after ${Date.now() - recovered} ms; exitCode ${server.child.exitCode}, ` +
        `signal ${server.child.signalCode}; /healthz ${health.status}`,
    );
    expect(output).not.toContain('Cannot read properties of null');
    expect(output).not.toContain('unhandled error, kept serving');
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    expect(health.status).toBe(200);
    expect(healthy).toBe(true);
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.timeout).toBe(0);
  });
});
