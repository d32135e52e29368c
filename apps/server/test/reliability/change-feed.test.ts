import { createDatabase, type KeyholeDatabase } from '@keyhole/api/internal/db/create-database';
import { type ChangeEvent, ChangeFeed, TRUST_WINDOW_MS } from '@keyhole/api/internal/lib/change-feed';
import { createLogger } from '@keyhole/api/internal/lib/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogCapture } from '../support/test-app';
import { createTestDatabase, isPostgres } from '../support/test-database';

/**
 * SPEC §9 "Propagation under faults", the feed's half: it knows whether it hears other processes
 * (its own heartbeat comes back), reopens a lost notification connection at once, and tells the caches
 * to start again ('all') when it does. Real PostgreSQL; the connection is cut with pg_terminate_backend.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const since = performance.now();
  while (!check()) {
    if (performance.now() - since > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(5);
  }
  return performance.now() - since;
}

describe.skipIf(!isPostgres())('ChangeFeed on PostgreSQL', () => {
  let database: KeyholeDatabase & { url?: string };
  let other: KeyholeDatabase;
  let feed: ChangeFeed;
  let otherFeed: ChangeFeed;
  const logs = new LogCapture();
  const events: ChangeEvent[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    other = await createDatabase({ kind: 'postgres', url: database.url!, migrate: false });
    feed = new ChangeFeed(database, createLogger('info', logs));
    otherFeed = new ChangeFeed(other, createLogger('silent'));
    await Promise.all([feed.start(), otherFeed.start()]);
    feed.subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    await feed?.stop();
    await otherFeed?.stop();
    await database?.close();
    await other?.close();
  });

  it('hears itself within a heartbeat of starting, and another process publishing', async () => {
    await until('hearing', () => feed.isHearing(), 1000);
    expect(performance.now() - feed.heardUpToMs()).toBeLessThan(TRUST_WINDOW_MS);
    await otherFeed.publish({ kind: 'key', id: 'k-1' });
    await until(
      'the other process’s event',
      () => events.some((e) => e.kind === 'key' && e.id === 'k-1'),
      1000,
    );
  });

  it('a cut notification connection is reopened within 1 s and the caches are told to start again', async () => {
    await until('hearing', () => feed.isHearing(), 1000);
    events.length = 0;
    const killed = await database.query<{ pid: number }>(
      `select pid from pg_stat_activity
        where datname = current_database() and application_name = 'keyhole-listen'`,
    );
    expect(killed.length).toBe(2);
    await database.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and application_name = 'keyhole-listen'`,
    );
    const flushMs = await until('the "all" event', () => events.some((e) => e.kind === 'all'), 1000);
    await until('hearing again', () => feed.isHearing(), 1000);
    expect(logs.text()).toContain('change listener lost');
    expect(logs.text()).toContain('change listener reconnected; dropping cached keys');
    // A change published after the reconnect is heard again.
    await otherFeed.publish({ kind: 'org', id: 'o-1' });
    await until('an event after the reconnect', () => events.some((e) => e.kind === 'org'), 1000);
    console.log(`[change-feed] listener cut → 'all' dispatched after ${Math.round(flushMs)} ms`);
  });

  it('stops counting as hearing once its heartbeat stops, within the trust window', async () => {
    await until('hearing', () => feed.isHearing(), 1000);
    // Stopping the feed stops its heartbeat the way a silent connection would.
    const silent = new ChangeFeed(database, createLogger('silent'));
    await silent.start();
    await until('hearing', () => silent.isHearing(), 1000);
    await silent.stop();
    const ms = await until('not hearing', () => !silent.isHearing(), 2000);
    expect(ms).toBeLessThanOrEqual(TRUST_WINDOW_MS + 50);
  });
});

describe.skipIf(isPostgres())('ChangeFeed on PGlite', () => {
  it('always hears: one process owns the database', async () => {
    const database = await createTestDatabase();
    const feed = new ChangeFeed(database, createLogger('silent'));
    try {
      await feed.start();
      expect(feed.isHearing()).toBe(true);
      expect(feed.heardUpToMs()).toBe(Number.POSITIVE_INFINITY);
      const seen: ChangeEvent[] = [];
      feed.subscribe((e) => seen.push(e));
      await feed.publish({ kind: 'user', id: 'u-1' });
      expect(seen[0]).toEqual({ kind: 'user', id: 'u-1' });
    } finally {
      await feed.stop();
      await database.close();
    }
  });
});
