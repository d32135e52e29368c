import {
  type CliResult,
  childEnv,
  runCli as runKeyholeCli,
  startServe,
} from '@keyhole/testing/serve-process';

/**
 * The child's environment: ours minus everything that would point it elsewhere. CI runs `pnpm test`
 * a second time with DATABASE_URL, KEYHOLE_SECRET and REDIS_URL set; this test always runs the
 * embedded database in its own directory, so none of those may leak into the child.
 */
const cleanEnv = (extra: Record<string, string>) =>
  childEnv({ NODE_ENV: 'test', ...extra }, { drop: ['REDIS_URL', 'PORT', 'HOST'] });

export interface KeyholeServer {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

/**
 * `keyhole serve` as `pnpm start` runs it, on PGlite in `dataDir`, on `port` (0: any free port);
 * `env` sets more of its configuration (e.g. a short KEYHOLE_REAUTH_MINUTES).
 */
export async function startServer(
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
): Promise<KeyholeServer> {
  const served = await startServe(
    cleanEnv({
      KEYHOLE_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      KEYHOLE_SEED: 'off',
      KEYHOLE_PASSWORD_COST: '10',
      KEYHOLE_USAGE_FLUSH_MS: '500',
      KEYHOLE_LOG_LEVEL: 'warn',
      ...env,
    }),
  );
  return { url: served.url, output: served.child.chunks, stop: served.stop };
}

/** A CLI command (e.g. legacy-import) against the same data dir; the server must be stopped first. */
export function runCli(dataDir: string, args: string[]): Promise<CliResult> {
  return runKeyholeCli(args, cleanEnv({ KEYHOLE_DATA_DIR: dataDir, KEYHOLE_LOG_LEVEL: 'warn' }));
}
