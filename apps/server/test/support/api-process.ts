import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CliChild, childEnv, freePort, startServe } from '@keyhole/testing/serve-process';
import { TEST_SECRET } from './test-app';

export { freePort };

/**
 * A real `keyhole serve` process on a database of the test's own, for the slow suites that need
 * several processes, or one to kill. Its stdout and stderr are kept so a suite can search them for
 * secrets.
 */
export interface ApiProcess {
  name: string;
  url: string;
  child: CliChild;
  output: string[];
  /** SIGTERM and wait for the exit (usage flushed, connections closed). */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown work at all, as in a crash. */
  kill(): Promise<void>;
}

export async function startApiProcess(opts: {
  name: string;
  /** PostgreSQL; without it the process runs on PGlite in a fresh data dir of its own. */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--max-old-space-size=384`. */
  nodeArgs?: string[];
  /** Variables of the runner's environment the child must not inherit (e.g. `REDIS_URL`). */
  dropEnv?: string[];
}): Promise<ApiProcess> {
  const port = await freePort();
  const database = opts.databaseUrl
    ? { DATABASE_URL: opts.databaseUrl }
    : { KEYHOLE_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), `keyhole-${opts.name}-`)) };
  // The child gets exactly the settings given here, never the test runner's KEYHOLE_* ones.
  const env = childEnv(
    {
      NODE_ENV: 'test',
      ...database,
      KEYHOLE_SECRET: TEST_SECRET,
      HOST: '127.0.0.1',
      PORT: String(port),
      KEYHOLE_SEED: 'off',
      KEYHOLE_LOG_LEVEL: 'info',
      ...opts.env,
    },
    { drop: opts.dropEnv },
  );
  const served = await startServe(env, { name: opts.name, nodeArgs: opts.nodeArgs, timeoutMs: 60_000 });
  return { ...served, name: opts.name, output: served.child.chunks };
}
