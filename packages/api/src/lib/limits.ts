/**
 * The transport and memory bounds of one API process, in one place (docs/SECURITY.md "Limits" lists
 * them with what exceeding each answers). The batch cap and the request deadline are configuration
 * (`KEYHOLE_MAX_BATCH`, `KEYHOLE_REQUEST_TIMEOUT_MS`); these are sized for the worst meeting the input
 * bounds allow (200 attendees of 320-character emails and 200-character names: ~120 KB of JSON).
 */
export const LIMITS = {
  /** Request bodies (SPEC §9). */
  maxBodyBytes: 1024 * 1024,
  /** Request line and headers must arrive within this (SPEC §9). */
  headersTimeoutMs: 10_000,
  /** The whole request, body included, must arrive within this (SPEC §9). */
  bodyTimeoutMs: 30_000,
  /**
   * One answer, all calls of a batch together: a page of 100 of the largest meetings (~12 MB) fits;
   * more is 413 `response_too_large`.
   */
  maxResponseBytes: 16 * 1024 * 1024,
  /** Answers being assembled across the process at once; beyond it, 429 `server_busy`. */
  responseBudgetBytes: 64 * 1024 * 1024,
  /** Meetings that large reads may load at once across the process (the read gate's capacity). */
  readGateMeetings: 300,
  /** Large reads that may queue for the gate, and for how long. */
  readGateMaxWaiting: 64,
  readGateMaxWaitMs: 15_000,
  /**
   * Request statements and transactions handed to the database driver and not yet settled, per process
   * (the database gate). postgres.js queues without bound while its connections are busy or cannot
   * connect; past this many, a call is refused at once: 503 `database_unavailable` when the database
   * has answered nothing for `dbSilentMs`, else 429 `server_busy` (503 is never for load).
   */
  dbMaxOutstanding: 256,
  dbSilentMs: 1000,
  /**
   * While the database cannot be reached (the last attempt was refused, closed or timed out while
   * connecting), this many request statements at a time try it; the others are answered 503 at once.
   * postgres.js would otherwise keep them queued, handing out one per reconnect attempt.
   */
  dbProbesWhileUnreachable: 4,
  /**
   * The gate answers a request's statement or transaction 503 at the database timeout plus this: the
   * server's own statement and lock timeouts (with their SQLSTATE) come first; the gate's deadline is
   * for a database that cannot even say so (stalled, or a connection that never completes).
   */
  dbDeadlineGraceMs: 250,
  /** `Retry-After` of a 503 `database_unavailable`, in seconds. */
  dbRetryAfterSeconds: 2,
  /** The longest pause between two attempts to reconnect to PostgreSQL (recovery within 2 s, SPEC §9). */
  dbReconnectMaxDelayMs: 500,
} as const;

/** Answers being assembled across the process; a request reserves its bytes as it grows. */
export class ByteBudget {
  private used = 0;
  constructor(readonly capacity: number) {}
  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
  get inUse(): number {
    return this.used;
  }
}
