import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

/**
 * A TCP proxy in front of the private cluster that plays a fault on a connection's first query after
 * its startup handshake — with `fetch_types` on (the default, and the serving pool's setting) that
 * query is the driver's own array-types fetch, which runs before any query of the caller's.
 * `terminate-then-down` also stops listening (a database that is going down: the reconnect is
 * refused, ECONNREFUSED) until `accept()`.
 */
type Fault = 'pass' | 'reset' | 'terminate' | 'terminate-then-down';

interface FaultProxy {
  url: string;
  /** Faults for the next connections, in order; later connections pass. */
  plan(faults: Fault[]): void;
  accept(): Promise<void>;
  close(): Promise<void>;
}

/** The ErrorResponse `pg_terminate_backend` (or a fast shutdown) sends before closing a backend. */
function terminateMessage(): Buffer {
  const field = (t: string, v: string) => Buffer.concat([Buffer.from(t), Buffer.from(`${v}\0`)]);
  const body = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', '57P01'),
    field('M', 'terminating connection due to administrator command'),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

async function startFaultProxy(target: { port: number }): Promise<FaultProxy> {
  let faults: Fault[] = [];
  const sockets = new Set<Socket>();
  const onConnection = (client: Socket) => {
    const fault = faults.shift() ?? 'pass';
    const upstream = connect(target.port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let startupSeen = false;
    client.on('data', (chunk) => {
      if (fault === 'pass' || !startupSeen) {
        startupSeen = true; // the startup packet is the client's first write (trust auth: its only one)
        upstream.write(chunk);
        return;
      }
      if (fault === 'reset') {
        client.resetAndDestroy();
        upstream.destroy();
      } else {
        if (fault === 'terminate-then-down') server.close();
        client.end(terminateMessage());
        upstream.destroy();
      }
    });
    upstream.on('data', (chunk) => client.writable && client.write(chunk));
    for (const s of [client, upstream]) {
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  };
  let server = createServer(onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    plan: (next) => {
      faults = [...next];
    },
    accept: async () => {
      server = createServer(onConnection);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}

describe('postgres.js when a new connection fails during its startup (porsager/postgres#1192, #1223)', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(pg);
  });
  afterAll(async () => {
    await proxy?.close();
  });
  beforeEach(() => {
    uncaught.length = 0;
  });
  // The serving pool's own settings that matter here (create-database.ts): default fetch_types.
  const pool = () =>
    postgres(proxy.url, { max: 1, onnotice: () => {}, connect_timeout: 2, backoff: () => 0.05 });

  it('a reset while the driver fetches array types fails the waiting query, and nothing escapes', async () => {
    const sql = pool();
    try {
      proxy.plan(['reset']);
      const first = await settle(sql`select 1 as n`, 5_000);
      await tick();
      console.log(`[pg-driver] query behind a reset types fetch: ${JSON.stringify(first)}`);
      expect(errText(uncaught)).toBe('');
      expect(first).toEqual({ kind: 'error', code: 'ECONNRESET' });
      expect(await sql`select 2 as n`).toEqual([{ n: 2 }]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('a backend terminated during the types fetch: the query runs on the reconnect, not with the old error', async () => {
    const sql = pool();
    try {
      proxy.plan(['terminate']);
      const first = await settle(sql`select 1 as n`, 5_000);
      await tick();
      console.log(`[pg-driver] query behind a terminated types fetch: ${JSON.stringify(first)}`);
      expect(errText(uncaught)).toBe('');
      expect(first).toEqual({ kind: 'ok' });
      expect(await sql`select 2 as n`).toEqual([{ n: 2 }]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('terminated during the types fetch while the database goes down: the query is refused, nothing escapes', async () => {
    const sql = pool();
    try {
      proxy.plan(['terminate-then-down']);
      const outcome = await settle(sql`select 1 as n`, 5_000);
      await tick();
      console.log(
        `[pg-driver] query behind a terminated types fetch, database down: ${JSON.stringify(outcome)}`,
      );
      expect(errText(uncaught)).toBe('');
      expect(outcome).toEqual({ kind: 'error', code: 'ECONNREFUSED' });
      await proxy.accept();
      expect(await sql`select 2 as n`).toEqual([{ n: 2 }]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
