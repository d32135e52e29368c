import type { Database, KeyholeDatabase } from './db/create-database';
import type { Config } from './env';
import type { Clock } from './lib/clock';
import type { Keyring } from './lib/keyring';
import type { Logger } from './lib/logger';

/**
 * Everything a request may touch, built once per process by `createApp` and handed to every
 * procedure through the context. Tests build their own with a test database and a manual clock.
 */
export interface AppDeps {
  config: Config;
  database: KeyholeDatabase;
  db: Database;
  clock: Clock;
  logger: Logger;
  keyring: Keyring;
  version: string;
}
