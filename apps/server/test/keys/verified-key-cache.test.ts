import { type VerifiedKey, VerifiedKeyCache } from '@keyhole/api/internal/auth/verified-key-cache';
import { describe, expect, it } from 'vitest';

function entry(n: number, opts: { orgId?: string; userId?: string } = {}): VerifiedKey {
  return {
    clientKey: `kh_${n}`,
    key: {
      id: `key-${n}`,
      orgId: opts.orgId ?? 'org-1',
      name: `Key ${n}`,
      scope: opts.userId ? 'user_full' : 'org_full',
      clientKey: `kh_${n}`,
      issuedTo: opts.userId ? { id: opts.userId, name: 'U', email: 'u@example.test' } : null,
      rateLimitPerMinute: null,
    },
    org: {
      id: opts.orgId ?? 'org-1',
      name: 'Org',
      settings: { orgFullKeysIncludePrivate: true, allowKeyReveal: true, leakedKeyAction: 'revoke' },
    },
    secretHash: Buffer.alloc(32, n),
    previousSecretHash: null,
    previousSecretValidUntil: null,
    expiresAt: null,
    issuedToStatus: opts.userId ? 'active' : null,
  };
}

describe('VerifiedKeyCache', () => {
  it('evicts by key id, by issued-to user, by org, and everything on "all"', () => {
    const cache = new VerifiedKeyCache();
    const put = (e: VerifiedKey) => cache.set(e, cache.stamp());
    put(entry(1));
    put(entry(2, { userId: 'u-1' }));
    put(entry(3, { userId: 'u-1' }));
    put(entry(4, { orgId: 'org-2' }));
    put(entry(5, { orgId: 'org-2', userId: 'u-2' }));
    expect(cache.size).toBe(5);

    cache.handle({ kind: 'key', id: 'key-1' });
    expect(cache.get('kh_1')).toBeUndefined();
    expect(cache.size).toBe(4);

    cache.handle({ kind: 'user', id: 'u-1' });
    expect(cache.get('kh_2')).toBeUndefined();
    expect(cache.get('kh_3')).toBeUndefined();
    expect(cache.get('kh_4')).toBeDefined();

    cache.handle({ kind: 'org', id: 'org-2' });
    expect(cache.size).toBe(0);

    put(entry(6));
    put(entry(7, { orgId: 'org-3' }));
    cache.handle({ kind: 'all' });
    expect(cache.size).toBe(0);
  });

  it('ignores events about keys, users and orgs it does not hold', () => {
    const cache = new VerifiedKeyCache();
    cache.set(entry(1), cache.stamp());
    cache.handle({ kind: 'key', id: 'key-9' });
    cache.handle({ kind: 'user', id: 'u-9' });
    cache.handle({ kind: 'org', id: 'org-9' });
    expect(cache.get('kh_1')).toBeDefined();
  });

  it('does not cache a look-up that raced with an eviction (read before the change, stored after)', () => {
    const cache = new VerifiedKeyCache();
    const stamp = cache.stamp();
    // The database was read here; then a revoke's event arrives before the result is stored.
    cache.handle({ kind: 'key', id: 'key-1' });
    expect(cache.set(entry(1), stamp)).toBe(false);
    expect(cache.get('kh_1')).toBeUndefined();
    expect(cache.set(entry(1), cache.stamp())).toBe(true);
  });

  it('is bounded, dropping the least recently used entry', () => {
    const cache = new VerifiedKeyCache({ maxEntries: 3 });
    for (const n of [1, 2, 3]) cache.set(entry(n), cache.stamp());
    cache.get('kh_1');
    cache.set(entry(4), cache.stamp());
    expect(cache.size).toBe(3);
    expect(cache.get('kh_2')).toBeUndefined();
    expect(cache.get('kh_1')).toBeDefined();
    // The evicted entry left no index behind: an event for it is harmless.
    cache.handle({ kind: 'key', id: 'key-2' });
    expect(cache.size).toBe(3);
  });

  it('forgets entries after the TTL, a backstop behind the change events', () => {
    let now = 0;
    const cache = new VerifiedKeyCache({ ttlMs: 30_000, nowMs: () => now });
    cache.set(entry(1), cache.stamp());
    now = 29_999;
    expect(cache.get('kh_1')).toBeDefined();
    now = 30_000;
    expect(cache.get('kh_1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('replacing an entry moves its indexes (a regenerate seen by two look-ups)', () => {
    const cache = new VerifiedKeyCache();
    cache.set(entry(1, { userId: 'u-1' }), cache.stamp());
    cache.set({ ...entry(1, { userId: 'u-1' }), secretHash: Buffer.alloc(32, 9) }, cache.stamp());
    expect(cache.size).toBe(1);
    cache.handle({ kind: 'user', id: 'u-1' });
    expect(cache.size).toBe(0);
  });

  describe('trust while the change feed cannot vouch (SPEC §9 "Propagation under faults")', () => {
    function world() {
      const clock = { now: 0, heardUpTo: 0 };
      const cache = new VerifiedKeyCache({
        nowMs: () => clock.now,
        heardUpToMs: () => clock.heardUpTo,
        trustWindowMs: 750,
      });
      return { clock, cache };
    }

    it('serves an entry of any age (up to the TTL) while the feed hears', () => {
      const { clock, cache } = world();
      cache.set(entry(1), cache.stamp());
      for (const t of [1_000, 10_000, 29_000]) {
        clock.now = t;
        clock.heardUpTo = t - 300;
        expect(cache.get('kh_1'), `at ${t} ms`).toBeDefined();
      }
    });

    it('while not hearing, an entry read 750 ms ago or more is a miss; a younger one is served', () => {
      const { clock, cache } = world();
      clock.heardUpTo = 0;
      clock.now = 5_000;
      cache.set(entry(1), cache.stamp());
      clock.now = 5_749;
      expect(cache.get('kh_1')).toBeDefined();
      clock.now = 5_750;
      expect(cache.get('kh_1')).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('an entry read before hearing was lost is a miss once the feed has been silent for the window', () => {
      const { clock, cache } = world();
      cache.set(entry(1), cache.stamp());
      clock.now = 10_000;
      clock.heardUpTo = 9_800;
      expect(cache.get('kh_1')).toBeDefined();
      // The last heartbeat that came back was sent at 9 800 ms; nothing is heard after it.
      clock.now = 10_549;
      expect(cache.get('kh_1')).toBeDefined();
      clock.now = 10_550;
      expect(cache.get('kh_1')).toBeUndefined();
    });

    it('dates an entry from the start of its read, not from when it was stored', () => {
      const { clock, cache } = world();
      const stamp = cache.stamp();
      clock.now = 400; // a slow look-up
      cache.set(entry(1), stamp);
      clock.now = 749;
      expect(cache.get('kh_1')).toBeDefined();
      clock.now = 750;
      expect(cache.get('kh_1')).toBeUndefined();
    });

    it('regaining hearing (the feed dispatches "all" on reconnect) flushes, and a read begun before is not stored', () => {
      const { clock, cache } = world();
      cache.set(entry(1), cache.stamp());
      const inFlight = cache.stamp();
      clock.now = 2_000;
      cache.handle({ kind: 'all' });
      clock.heardUpTo = 2_000;
      expect(cache.get('kh_1')).toBeUndefined();
      expect(cache.set(entry(2), inFlight)).toBe(false);
      expect(cache.size).toBe(0);
    });

    it('counts hits (served from memory) and misses (database reads)', () => {
      const { clock, cache } = world();
      clock.heardUpTo = Number.POSITIVE_INFINITY;
      cache.set(entry(1), cache.stamp());
      cache.get('kh_1');
      cache.get('kh_1');
      cache.get('kh_2');
      expect(cache.stats()).toEqual({ hits: 2, misses: 1 });
    });
  });
});
