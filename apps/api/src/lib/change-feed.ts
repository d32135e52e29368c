import type { KeyholeDatabase } from '../db/create-database';
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
 * Carries changes to every API process sharing the database. `publish` runs this process's listeners
 * at once (so the very next request here sees the change) and sends a NOTIFY that the other processes'
 * LISTEN delivers within milliseconds. Publish after the change's transaction has committed.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly database: KeyholeDatabase,
    private readonly logger: Logger,
  ) {}

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

  async start(): Promise<void> {
    this.unlisten = await this.database.listen(
      CHANNEL,
      (payload) => {
        try {
          this.dispatch(JSON.parse(payload) as ChangeEvent);
        } catch {
          this.dispatch({ kind: 'all' });
        }
      },
      () => {
        this.logger.warn('change listener reconnected; dropping cached keys');
        this.dispatch({ kind: 'all' });
      },
    );
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
  }

  private dispatch(event: ChangeEvent): void {
    for (const fn of this.listeners) fn(event);
  }
}
