import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcess } from '../support/api-process';
import { createTestDatabase, isPostgres } from '../support/test-database';

/**
 * Clients that vanish at every moment of a request, over raw sockets, against a real `keyhole serve`
 * process (PGlite, or PostgreSQL when DATABASE_URL is set; Redis when REDIS_URL is). The process must
 * outlive every one of them and keep answering, on the fast path and on the stock adapter alike.
 * Before the fix, the first case ended the process with `Error: aborted` as an unhandled rejection.
 */

const ADAPTERS = ['fast', 'stock'] as const;
const servers = new Map<string, ApiProcess>();

beforeAll(async () => {
  for (const adapter of ADAPTERS) {
    const db = isPostgres() ? await createTestDatabase() : null;
    const url = db?.url;
    await db?.close();
    servers.set(
      adapter,
      await startApiProcess({
        name: `aborts-${adapter}`,
        ...(url ? { databaseUrl: url } : {}),
        env: { KEYHOLE_TRPC_ADAPTER: adapter, KEYHOLE_SEED: 'demo', KEYHOLE_LOG_LEVEL: 'warn' },
      }),
    );
  }
}, 120_000);
afterAll(async () => {
  for (const s of servers.values()) await s.stop();
});

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `text`, waits `holdMs`, then drops the connection without a goodbye. */
async function vanishOnce(url: string, text: string, holdMs: number): Promise<void> {
  const socket = await open(url);
  socket.on('error', () => {});
  socket.write(text);
  if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
  socket.resetAndDestroy();
}

/** The same at several moments: right away, and after the server had time to start on it. */
async function sendAndVanish(url: string, text: string, holdMs?: number): Promise<void> {
  for (const hold of holdMs === undefined ? [0, 0, 1, 2, 5, 10, 20, 50] : [holdMs]) {
    await vanishOnce(url, text, hold);
  }
}

/** Reads the first bytes of the answer, then drops the connection mid-response. */
async function readSomeAndVanish(url: string, text: string): Promise<void> {
  const socket = await open(url);
  socket.on('error', () => {});
  await new Promise<void>((resolve) => {
    socket.once('data', () => resolve());
    socket.once('close', () => resolve());
    socket.write(text);
    setTimeout(resolve, 5000);
  });
  socket.resetAndDestroy();
}

async function signInCookie(url: string): Promise<string> {
  const res = await fetch(`${url}/trpc/auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@acme.test', password: 'keyhole-demo-password' }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

async function expectAlive(server: ApiProcess) {
  await new Promise((r) => setTimeout(r, 200));
  expect(server.child.exitCode, server.output.join('')).toBeNull();
  // Fixed at the cause, not caught by the last-resort handler.
  expect(server.output.join('')).not.toContain('unhandled error');
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
  const health = await fetch(`${server.url}/trpc/health`);
  expect(health.status).toBe(200);
}

const host = (url: string) => new URL(url).host;

describe.each(ADAPTERS)('clients vanishing (%s adapter)', (adapter) => {
  const server = () => servers.get(adapter)!;

  it('a body cut off after a few bytes (unauthenticated sign-out)', async () => {
    const s = server();
    await sendAndVanish(
      s.url,
      `POST /trpc/auth.signOut HTTP/1.1\r\nHost: ${host(s.url)}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"x":`,
    );
    await expectAlive(s);
  });

  it('a body cut off with a bad key on keys.create', async () => {
    const s = server();
    await sendAndVanish(
      s.url,
      `POST /trpc/keys.create HTTP/1.1\r\nHost: ${host(s.url)}\r\nAuthorization: Bearer x:y\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`,
    );
    await expectAlive(s);
  });

  it('a chunked body cut off mid-chunk', async () => {
    const s = server();
    await sendAndVanish(
      s.url,
      `POST /trpc/auth.signIn HTTP/1.1\r\nHost: ${host(s.url)}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{"email":"a`,
    );
    await expectAlive(s);
  });

  it('a connection dropped during the headers', async () => {
    const s = server();
    await sendAndVanish(s.url, `GET /trpc/health HTTP/1.1\r\nHost: ${host(s.url)}\r\nAuthoriz`);
    await expectAlive(s);
  });

  it('a session request dropped while the procedure awaits the database', async () => {
    const s = server();
    const cookie = await signInCookie(s.url);
    const calls = Array.from({ length: 10 }, () => 'meetings.list').join(',');
    for (let i = 0; i < 10; i++) {
      await sendAndVanish(
        s.url,
        `GET /trpc/${calls}?batch=1&input=%7B%7D HTTP/1.1\r\nHost: ${host(s.url)}\r\nCookie: ${cookie}\r\n\r\n`,
        i,
      );
    }
    await expectAlive(s);
  });

  it('a mutation body cut off after the caller was resolved', async () => {
    const s = server();
    const cookie = await signInCookie(s.url);
    await sendAndVanish(
      s.url,
      `POST /trpc/meetings.create HTTP/1.1\r\nHost: ${host(s.url)}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"subject":"cut`,
      100,
    );
    await expectAlive(s);
  });

  it('a client that vanishes while the response is being written', async () => {
    const s = server();
    const cookie = await signInCookie(s.url);
    const calls = Array.from({ length: 25 }, () => 'meetings.list').join(',');
    for (let i = 0; i < 5; i++) {
      await readSomeAndVanish(
        s.url,
        `GET /trpc/${calls}?batch=1&input=%7B%7D HTTP/1.1\r\nHost: ${host(s.url)}\r\nCookie: ${cookie}\r\n\r\n`,
      );
    }
    await expectAlive(s);
  });
});
