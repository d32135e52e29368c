import { randomBytes } from 'node:crypto';
import type { KeyholeDatabase, NotificationConnection } from '../db/create-database';
import type { Logger } from './logger';

/**
 * What changed, for caches of verified keys: a key (revoke, regenerate, rename), a user (status,
 * role), an org (settings), or everything (after a listener reconnect, when notices may have been lost).
 */
export type ChangeEvent =
  | { kind: 'key'; id: string }
  | { kind: 'user'; id: string }
  | { kind: 'org'; id: string }
  | { kind: 'all' };

const CHANNEL = 'keyhole_changes';

/**
 * How long a cache may serve what it cannot vouch for (SPEC §3: 1 s on every process). 750 ms leaves a
 * quarter of the bound for the notice's own trip and a loaded event loop.
 */
export const TRUST_WINDOW_MS = 750;

export interface ChangeFeedOptions {
  /** Monotonic milliseconds; the caches that ask `heardUpToMs` must use the same clock. */
  nowMs?: () => number;
  /** How often the process NOTIFYs itself on its own channel. */
  heartbeatMs?: number;
  /** Wait before opening a new notification connection after one was lost or failed to open. */
  reconnectDelayMs?: number;
  /** An open connection whose own heartbeat has not come back for this long is replaced. */
  stallMs?: number;
  /** Opening (connect + LISTEN) gives up after this long. */
  openTimeoutMs?: number;
}

/**
 * Carries changes to every API process sharing the database. `publish` runs this process's listeners
 * at once (so the very next request here sees the change) and sends a NOTIFY that the other processes'
 * LISTEN delivers within milliseconds. Publish after the change's transaction has committed.
 *
 * The feed also knows how far it can vouch for what it heard. On PostgreSQL it NOTIFYs itself on a
 * channel of its own every `heartbeatMs` through its notification connection; PostgreSQL delivers
 * notices in commit order, so once a heartbeat sent at time t has come back, every change committed
 * anywhere before t has been heard (`heardUpToMs`). A lost or stalled connection stops the heartbeats,
 * and caches then stop trusting entries older than `TRUST_WINDOW_MS` (see VerifiedKeyCache). The feed
 * opens a new connection `reconnectDelayMs` after losing one, and dispatches `all` once it LISTENs again,
 * since notices sent meanwhile never arrive. PGlite belongs to one process: it always hears everything.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  private readonly nowMs: () => number;
  private readonly heartbeatMs: number;
  private readonly reconnectDelayMs: number;
  private readonly stallMs: number;
  private readonly openTimeoutMs: number;
  /** This process's own heartbeat channel: nobody else's heartbeats cost it anything. */
  private readonly beatChannel = `keyhole_beat_${randomBytes(8).toString('hex')}`;
  private connection: NotificationConnection | null = null;
  private openedAtMs = 0;
  private lastBeatBackAtMs = 0;
  private beatInFlight = false;
  private heardUpTo = Number.NEGATIVE_INFINITY;
  private opening = false;
  private nextOpenAtMs = 0;
  private everOpened = false;
  private lostLogged = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly database: KeyholeDatabase,
    private readonly logger: Logger,
    opts: ChangeFeedOptions = {},
  ) {
    this.nowMs = opts.nowMs ?? (() => performance.now());
    this.heartbeatMs = opts.heartbeatMs ?? 250;
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 250;
    this.stallMs = opts.stallMs ?? 2000;
    this.openTimeoutMs = opts.openTimeoutMs ?? 2000;
  }

  subscribe(fn: (e: ChangeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async publish(event: ChangeEvent): Promise<void> {
    this.dispatch(event);
    try {
      await this.database.notify(CHANNEL, JSON.stringify(event));
    } catch (err) {
      this.logger.error({ err, event }, 'could not notify other processes of a change');
    }
  }

  /**
   * Monotonic time (this feed's clock) up to which every change committed by any process has reached
   * this process's listeners: +Infinity on PGlite, the send time of the last heartbeat that came back on
   * PostgreSQL.
   */
  heardUpToMs(): number {
    return this.database.kind === 'pglite' ? Number.POSITIVE_INFINITY : this.heardUpTo;
  }

  /** Whether caches may trust what they hold beyond `TRUST_WINDOW_MS`. */
  isHearing(): boolean {
    return this.nowMs() - this.heardUpToMs() < TRUST_WINDOW_MS;
  }

  /** Opens the notification connection (throws if it cannot), then keeps it, and the heartbeat, going. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.open(true);
    if (this.database.kind === 'pglite') return;
    this.timer = setInterval(() => this.tick(), this.heartbeatMs);
    this.timer.unref();
    this.beat();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const connection = this.connection;
    this.connection = null;
    await connection?.close();
  }

  private tick(): void {
    const now = this.nowMs();
    if (!this.connection) {
      if (!this.opening && now >= this.nextOpenAtMs) void this.open(false).catch(() => {});
      return;
    }
    if (now - Math.max(this.openedAtMs, this.lastBeatBackAtMs) > this.stallMs) {
      this.lose(this.connection, 'its heartbeat stopped coming back');
      return;
    }
    this.beat();
  }

  private beat(): void {
    const connection = this.connection;
    // One at a time: a stalled database must not pile heartbeats up.
    if (!connection || this.beatInFlight) return;
    this.beatInFlight = true;
    connection.notify(this.beatChannel, String(this.nowMs())).then(
      () => {
        this.beatInFlight = false;
      },
      () => {
        // The connection's close (or the stall check) replaces it.
        this.beatInFlight = false;
      },
    );
  }

  private async open(initial: boolean): Promise<void> {
    this.opening = true;
    const holder: { connection: NotificationConnection | null } = { connection: null };
    try {
      const connection = await this.database.openNotifications({
        channels: [CHANNEL, this.beatChannel],
        onNotify: (channel, payload) => this.onNotify(channel, payload),
        onClose: () => {
          if (holder.connection) this.lose(holder.connection, 'its connection closed');
        },
        openTimeoutMs: this.openTimeoutMs,
      });
      if (this.stopped) {
        await connection.close();
        return;
      }
      holder.connection = connection;
      this.connection = connection;
      this.openedAtMs = this.nowMs();
      this.beatInFlight = false;
      if (this.everOpened) {
        // Whatever was published while nobody listened here is lost: start again from the database.
        this.logger.warn('change listener reconnected; dropping cached keys');
        this.dispatch({ kind: 'all' });
      }
      this.everOpened = true;
      this.lostLogged = false;
      if (!initial) this.beat();
    } catch (err) {
      this.nextOpenAtMs = this.nowMs() + this.reconnectDelayMs;
      if (initial) throw err;
    } finally {
      this.opening = false;
    }
  }

  private lose(connection: NotificationConnection, why: string): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.nextOpenAtMs = this.nowMs() + this.reconnectDelayMs;
    void connection.close().catch(() => {});
    if (!this.lostLogged) {
      // Once per outage: the reconnect attempts that follow (every reconnectDelayMs) stay quiet.
      this.lostLogged = true;
      this.logger.warn(
        { why, trustWindowMs: TRUST_WINDOW_MS },
        'change listener lost: cached keys are re-read from the database until it is back',
      );
    }
  }

  private onNotify(channel: string, payload: string): void {
    if (channel === this.beatChannel) {
      const sentAt = Number(payload);
      if (Number.isFinite(sentAt) && sentAt > this.heardUpTo) this.heardUpTo = sentAt;
      this.lastBeatBackAtMs = this.nowMs();
      return;
    }
    try {
      this.dispatch(JSON.parse(payload) as ChangeEvent);
    } catch {
      this.dispatch({ kind: 'all' });
    }
  }

  private dispatch(event: ChangeEvent): void {
    for (const fn of this.listeners) fn(event);
  }
}
