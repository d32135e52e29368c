import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres';

/**
 * postgres.js 3.4.9 against a PostgreSQL that restarts (porsager/postgres#1154, #1208). Unpatched, a
 * query on a connection whose socket has closed (a reserved connection, or a transaction's ROLLBACK
 * after its connection died) is buffered and written from a setImmediate on a null socket: an
 * uncaught `TypeError: Cannot read properties of null (reading 'write')` that ends the process. A bare
 * null guard (PR #1209) makes the query hang instead. patches/postgres@3.4.9.patch settles it with a
 * connection error. These tests drive the driver directly against a private cluster.
 */

let pg: PrivatePostgres;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  pg = await startPrivatePostgres({ name: 'driver' });
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  await pg?.kill();
});

type Outcome = { kind: 'ok' } | { kind: 'error'; code: string } | { kind: 'hung' };

async function settle(p: Promise<unknown>, boundMs: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome>((r) => {
    timer = setTimeout(() => r({ kind: 'hung' }), boundMs);
  });
  try {
    return await Promise.race([
      p.then(
        (): Outcome => ({ kind: 'ok' }),
        (e: { code?: string }): Outcome => ({ kind: 'error', code: String(e?.code ?? e) }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const tick = () => new Promise((r) => setTimeout(r, 50));
const errText = (errs: unknown[]) => errs.map((e) => String((e as Error)?.stack ?? e)).join('\n');

describe('postgres.js across PostgreSQL restarts', () => {
  it('a query on a reserved connection whose backend died rejects with a connection error (#1208)', async () => {
    const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
    try {
      for (const mode of ['immediate', 'fast'] as const) {
        const reserved = await sql.reserve();
        await reserved`select 1`;
        await pg.restart(mode);
        await tick(); // the old socket's close has long been processed
        const outcome = await settle(reserved`select 1`, 5_000);
        await tick(); // an unpatched driver throws from a setImmediate here
        reserved.release();
        console.log(`[pg-driver] reserved query after restart -m ${mode}: ${JSON.stringify(outcome)}`);
        expect(errText(uncaught)).toBe('');
        expect(outcome).toEqual({ kind: 'error', code: 'CONNECTION_CLOSED' });
        // The pool still works afterwards.
        expect(await sql`select 2 as n`).toEqual([{ n: 2 }]);
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('a burst of transactions across restarts: every call settles, none hangs, nothing is thrown', async () => {
    // A fixed, short reconnect backoff: postgres.js's default grows to 20 s over repeated closes, and
    // a call waiting that long for a connection is the pool's backoff (issue 13, findings 2 and 3),
    // not the write path this test is about.
    const sql = postgres(pg.url, { max: 8, onnotice: () => {}, connect_timeout: 5, backoff: () => 0.1 });
    await sql`create table if not exists burst (id serial primary key, w int, n int)`;
    const outcomes = { ok: 0, error: 0, hung: 0 };
    const codes = new Map<string, number>();
    let running = true;
    const worker = async (w: number) => {
      for (let n = 0; running; n++) {
        const o = await settle(
          sql.begin(async (tx) => {
            await tx`insert into burst (w, n) values (${w}, ${n})`;
            await tx`select pg_sleep(0.002)`;
            await tx`insert into burst (w, n) values (${w}, ${-n})`;
          }),
          10_000,
        );
        outcomes[o.kind]++;
        if (o.kind === 'error') {
          codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const started = Date.now();
    const workers = Array.from({ length: 24 }, (_, w) => worker(w));
    const modes = ['immediate', 'fast', 'immediate', 'fast', 'immediate', 'fast'] as const;
    try {
      for (const mode of modes) {
        await new Promise((r) => setTimeout(r, 400));
        await pg.restart(mode);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      running = false;
      await Promise.all(workers);
    }
    await tick();
    console.log(
      `[pg-driver] burst: ${modes.length} restarts in ${Date.now() - started} ms, ` +
        `${outcomes.ok + outcomes.error + outcomes.hung} transactions: ${JSON.stringify(outcomes)}, ` +
        `errors ${JSON.stringify(Object.fromEntries(codes))}, uncaught ${uncaught.length}`,
    );
    expect(errText(uncaught)).toBe('');
    expect(outcomes.hung).toBe(0);
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.error).toBeGreaterThan(0);
    // Errors are connection errors only, never a TypeError out of the driver.
    for (const code of codes.keys()) expect(code).toMatch(/^(CONNECTION_|ECONN|57P0|08)/);
    expect(await sql`select count(*)::int as n from burst`).toEqual([{ n: expect.any(Number) }]);
    await sql.end({ timeout: 5 });
  });
});
