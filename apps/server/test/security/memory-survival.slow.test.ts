import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcess } from '../support/api-process';
import { createTestDatabase, isPostgres } from '../support/test-database';

/**
 * SPEC §9 "Memory per request is bounded": a real `keyhole serve` with a 384 MB heap on PostgreSQL,
 * 120 of the largest meetings a member can make (200 attendees with 320-character emails and
 * 200-character names each), then the worst request that member can send — a batch of 25 pages of
 * 100 — twenty at a time, beside 1,000 requests dropped at random moments. Before the bounds, 40 such
 * calls built a 112 MB answer and a 200-call batch killed a 400 MB heap.
 */

const WORST_AT_ONCE = 20;
const ABORTED = 1000;
const MEETINGS = 120;

let server: ApiProcess;
let cookie = '';

const pad = (prefix: string, length: number) => (prefix + 'x'.repeat(length)).slice(0, length);

/** A 320-character address zod accepts: a 64-character local part and 63-character labels. */
function longEmail(i: number): string {
  const local = pad(`a${i}-`, 64);
  const labels = [pad('b', 63), pad('c', 63), pad('d', 63)];
  const head = `${local}@${labels.join('.')}.`;
  return `${head}${pad('e', 320 - head.length - 4)}.com`;
}

function largestMeeting(n: number) {
  return {
    subject: pad(`Largest meeting ${n} `, 300),
    startAt: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
    endAt: new Date(Date.UTC(2026, 0, 1) + n * 60_000 + 3_600_000).toISOString(),
    attendees: Array.from({ length: 200 }, (_, i) => ({
      email: longEmail(i),
      name: pad(`Attendee ${i} `, 200),
    })),
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(path: string, opts: { method?: string; body?: string; abortAfterMs?: number } = {}) {
  const url = new URL(`${server.url}${path}`);
  return new Promise<Answer | 'aborted'>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: opts.method ?? 'GET',
        headers: {
          cookie,
          ...(opts.body
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', () => resolve('aborted'));
      },
    );
    req.on('error', (err) => (opts.abortAfterMs === undefined ? reject(err) : resolve('aborted')));
    if (opts.abortAfterMs !== undefined) setTimeout(() => req.destroy(), opts.abortAfterMs);
    req.end(opts.body);
  });
}

const worstPath = () => {
  const calls = Array.from({ length: 25 }, () => 'meetings.list').join(',');
  const input = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [i, { limit: 100 }]));
  return `/trpc/${calls}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`;
};

describe.skipIf(!isPostgres())('the worst request a member can make, 20 at a time, on a 384 MB heap', () => {
  beforeAll(async () => {
    const db = await createTestDatabase();
    const url = db.url!;
    await db.close();
    server = await startApiProcess({
      name: 'memory-survival',
      databaseUrl: url,
      nodeArgs: ['--max-old-space-size=384'],
      env: {
        KEYHOLE_PASSWORD_COST: '10',
        KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
        KEYHOLE_LOG_LEVEL: 'warn',
      },
    });
    const email = `member-${randomBytes(4).toString('hex')}@survival.test`;
    const signUp = await fetch(`${server.url}/trpc/auth.signUp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orgName: 'Survival', name: 'Member', email, password: 'survival password 123' }),
    });
    expect(signUp.status).toBe(200);
    cookie = (signUp.headers.get('set-cookie') ?? '').split(';')[0]!;
    for (let n = 0; n < MEETINGS; n += 4) {
      const made = await Promise.all(
        [0, 1, 2, 3].map((k) =>
          send('/trpc/meetings.create', { method: 'POST', body: JSON.stringify(largestMeeting(n + k)) }),
        ),
      );
      for (const m of made) expect(m !== 'aborted' && m.status).toBe(200);
    }
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('stays up, answers no 5xx, completes or refuses each worst request cleanly, and still serves a page of 100', async () => {
    const outcomes = new Map<string, number>();
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    const worst = Array.from({ length: WORST_AT_ONCE }, async () => {
      const r = await send(worstPath());
      if (r === 'aborted') throw new Error('a worst request lost its connection');
      expect(r.status, r.body.slice(0, 300)).toBeLessThan(500);
      if (r.status === 200) {
        const envelopes = JSON.parse(r.body) as unknown[];
        expect(envelopes).toHaveLength(25);
        count('200 complete');
      } else {
        const reason = (JSON.parse(r.body) as { error: { data: { reason?: string } } }).error.data.reason;
        if (r.status === 413) expect(reason).toBe('response_too_large');
        else {
          expect(r.status).toBe(429);
          expect(reason).toBe('server_busy');
          expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
        }
        count(`${r.status} ${reason}`);
      }
    });
    const aborted = Array.from({ length: ABORTED }, async (_, i) => {
      const kinds = [
        () => send(worstPath(), { abortAfterMs: i % 200 }),
        () => send('/trpc/meetings.list?input=%7B%22limit%22%3A100%7D', { abortAfterMs: i % 50 }),
        () =>
          send('/trpc/meetings.create', {
            method: 'POST',
            body: JSON.stringify(largestMeeting(10_000 + i)),
            abortAfterMs: i % 30,
          }),
      ];
      const r = await kinds[i % kinds.length]!();
      if (r !== 'aborted') expect(r.status, r.body.slice(0, 300)).toBeLessThan(500);
    });
    await Promise.all([...worst, ...aborted]);
    console.log('worst requests:', Object.fromEntries(outcomes));

    expect(server.child.exitCode, server.output.join('').slice(-2000)).toBeNull();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const page = await send('/trpc/meetings.list?input=%7B%22limit%22%3A100%7D');
    expect(page !== 'aborted' && page.status).toBe(200);
    const items = (JSON.parse((page as Answer).body) as { result: { data: { items: unknown[] } } }).result
      .data.items;
    expect(items).toHaveLength(100);
    expect(server.output.join('')).not.toMatch(/heap out of memory|unhandled error/);
  }, 600_000);
});
