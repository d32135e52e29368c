import { type ChangeEvent, TRUST_WINDOW_MS } from '../lib/change-feed';
import type { AuthenticatedKey, OrgView } from './caller';

/**
 * What one database look-up established about a key. Only HMACs are kept, never a secret, so a heap
 * dump of the process yields nothing that authenticates. Expiry and the end of an overlap are times,
 * not verdicts: they are checked against the clock at every use.
 */
export interface VerifiedKey {
  clientKey: string;
  key: AuthenticatedKey;
  org: OrgView;
  secretHash: Buffer;
  previousSecretHash: Buffer | null;
  previousSecretValidUntil: Date | null;
  expiresAt: Date | null;
  issuedToStatus: 'active' | 'deactivated' | null;
}

interface Entry {
  value: VerifiedKey;
  /** When the database read behind it began (its stamp): what it says was true then. */
  readAtMs: number;
}

/** Taken before reading the database, handed to `set` with what was read. */
export interface CacheStamp {
  generation: number;
  atMs: number;
}

export interface VerifiedKeyCacheOptions {
  maxEntries?: number;
  /** A backstop only: change events evict entries long before this. */
  ttlMs?: number;
  /** Monotonic milliseconds, for the TTL and the trust window; the change feed's clock. */
  nowMs?: () => number;
  /**
   * Up to when (same clock) this process has heard every change made anywhere (`ChangeFeed.heardUpToMs`);
   * without it, always (one process).
   */
  heardUpToMs?: () => number;
  /** How long an entry is served while nothing vouches for it (SPEC §3's bound, with margin). */
  trustWindowMs?: number;
}

/**
 * Verified keys of this process, keyed by client key. Every change that can alter a verdict (revoke,
 * regenerate, rename, user status, org settings) arrives as a change event, from this process at once
 * and from the others through LISTEN/NOTIFY, and evicts the entries it touches.
 *
 * A look-up that started before an eviction may finish after it with a row read before the change;
 * the generation stamp taken before the read makes `set` drop such a result instead of caching it.
 *
 * Events only reach a process that can hear them. An entry is served when its own read, or the last
 * moment the feed vouches for (`heardUpToMs`), lies within `trustWindowMs`: a change committed before
 * that moment either preceded the read or was heard and evicted the entry. So while the notification
 * connection is down or stalled, no entry read longer ago than the window is served (SPEC §9), and
 * every verdict is at most `trustWindowMs` old on every process.
 */
export class VerifiedKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byKeyId = new Map<string, string>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly byOrg = new Map<string, Set<string>>();
  private generation = 0;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly nowMs: () => number;
  private readonly heardUpToMs: () => number;
  private readonly trustWindowMs: number;
  private hitCount = 0;
  private missCount = 0;

  constructor(opts: VerifiedKeyCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.ttlMs = opts.ttlMs ?? 30_000;
    this.nowMs = opts.nowMs ?? (() => performance.now());
    this.heardUpToMs = opts.heardUpToMs ?? (() => Number.POSITIVE_INFINITY);
    this.trustWindowMs = opts.trustWindowMs ?? TRUST_WINDOW_MS;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Look-ups served from memory (`get` found a trusted entry) and database reads (`stamp`) so far. */
  stats(): { hits: number; misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
  }

  get(clientKey: string): VerifiedKey | undefined {
    const entry = this.entries.get(clientKey);
    if (!entry) return undefined;
    const now = this.nowMs();
    const age = now - entry.readAtMs;
    const unvouched = age >= this.trustWindowMs && now - this.heardUpToMs() >= this.trustWindowMs;
    if (age >= this.ttlMs || unvouched) {
      this.delete(clientKey);
      return undefined;
    }
    this.hitCount++;
    // Map order is insertion order: re-inserting keeps the most recently used last.
    this.entries.delete(clientKey);
    this.entries.set(clientKey, entry);
    return entry.value;
  }

  /** Take before reading the database (it counts as a miss); hand to `set` with what was read. */
  stamp(): CacheStamp {
    this.missCount++;
    return { generation: this.generation, atMs: this.nowMs() };
  }

  /** Caches the value unless some eviction happened since `stamp` (the read may predate a change). */
  set(value: VerifiedKey, stamp: CacheStamp): boolean {
    if (stamp.generation !== this.generation) return false;
    this.delete(value.clientKey);
    this.entries.set(value.clientKey, { value, readAtMs: stamp.atMs });
    this.byKeyId.set(value.key.id, value.clientKey);
    addTo(this.byOrg, value.org.id, value.clientKey);
    if (value.key.issuedTo) addTo(this.byUser, value.key.issuedTo.id, value.clientKey);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
    return true;
  }

  delete(clientKey: string): void {
    const entry = this.entries.get(clientKey);
    if (!entry) return;
    this.entries.delete(clientKey);
    const { key, org } = entry.value;
    if (this.byKeyId.get(key.id) === clientKey) this.byKeyId.delete(key.id);
    removeFrom(this.byOrg, org.id, clientKey);
    if (key.issuedTo) removeFrom(this.byUser, key.issuedTo.id, clientKey);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.byKeyId.clear();
    this.byUser.clear();
    this.byOrg.clear();
  }

  /** The change-feed listener. */
  handle(event: ChangeEvent): void {
    this.generation++;
    switch (event.kind) {
      case 'key': {
        const clientKey = this.byKeyId.get(event.id);
        if (clientKey !== undefined) this.delete(clientKey);
        return;
      }
      case 'user':
        for (const clientKey of [...(this.byUser.get(event.id) ?? [])]) this.delete(clientKey);
        return;
      case 'org':
        for (const clientKey of [...(this.byOrg.get(event.id) ?? [])]) this.delete(clientKey);
        return;
      case 'all':
        this.clear();
        return;
    }
  }
}

function addTo(index: Map<string, Set<string>>, id: string, clientKey: string): void {
  let set = index.get(id);
  if (!set) {
    set = new Set();
    index.set(id, set);
  }
  set.add(clientKey);
}

function removeFrom(index: Map<string, Set<string>>, id: string, clientKey: string): void {
  const set = index.get(id);
  if (!set) return;
  set.delete(clientKey);
  if (set.size === 0) index.delete(id);
}
