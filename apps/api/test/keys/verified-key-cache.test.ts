import { describe, expect, it } from 'vitest';
import { type VerifiedKey, VerifiedKeyCache } from '../../src/services/keys/verified-key-cache';

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
      settings: { orgFullKeysIncludePrivate: true, allowKeyReveal: true },
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
});
