import { parseArgs } from 'node:util';
import {
  type App,
  ConfigError,
  createApp,
  createDatabase,
  DataDirInUseError,
  demoInstructions,
  firstStartSeedAllowed,
  loadConfig,
  openConfiguredDatabase,
  SecretScanningKeysError,
  seedDemoOnFirstStart,
} from '@keyhole/api/host';
import { startHttpServer } from '../http/http-server';
import { installLastResortHandlers } from '../http/last-resort';
import { CliError } from './cli-error';

const USAGE = `Usage: pnpm keyhole <command>

Commands:
  serve                         Start the API and web app (default)
  migrate                       Apply database migrations and exit
  seed --demo                   Add the demo org (prints how to sign in)
  seed --orgs N --users N --meetings N
                                Bulk data for benchmarks (totals)
  legacy-import --org <id> --name <name> [--key KEY:SECRET]
                                Mint or import a legacy key
`;

async function serve(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const { logger } = app.deps;
  installLastResortHandlers(logger);
  const seeded = await seedDemoOnFirstStart(app.deps);
  if (seeded) logger.info({ orgId: seeded.orgId }, 'seeded the demo org on an empty database');
  else if (!firstStartSeedAllowed(app.deps) && app.deps.config.seed === 'auto') {
    logger.info(
      { database: app.deps.database.kind, nodeEnv: app.deps.config.nodeEnv },
      'no demo seed (KEYHOLE_SEED=auto seeds an empty embedded database outside production only; KEYHOLE_SEED=demo seeds any empty database)',
    );
  }
  const server = await startHttpServer(app.deps);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const graceMs = app.deps.config.shutdownGraceMs;
    // Whatever hangs (a database that no longer answers), the process still ends.
    setTimeout(() => {
      logger.error({ signal }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, graceMs + 15_000).unref();
    logger.info({ signal, graceMs }, 'shutting down: no new connections, finishing requests in flight');
    await server.close(graceMs);
    await reportKeyCache(app);
    // Usage buffered by the requests just finished is written before the database closes.
    await app.close();
    logger.info({ signal }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Started by `pnpm start` (scripts/start.mjs) with an IPC channel: when that launcher goes, even by
  // SIGKILL, the channel closes and the server shuts down too instead of outliving it (SPEC §9).
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => void stop('parent exited'));
  }
  // Announced only once the signals are handled: whoever reads this line may stop the server at once.
  logger.info({ url: server.url, database: app.deps.database.kind }, 'Keyhole is listening');
  process.stdout.write(`\nKeyhole is running at ${server.url} (database: ${app.deps.database.kind})\n`);
  if (seeded) process.stdout.write(demoInstructions(seeded, app.deps.config.publicUrl ?? server.url));
}

/**
 * How often a key was verified from memory in this process's life, logged at shutdown; also sent over
 * the IPC channel when the parent opened one (the bench reads its hit rate there: no endpoint for it).
 */
async function reportKeyCache(app: App): Promise<void> {
  const { hits, misses } = app.deps.keyCache.stats();
  const keyCache = { hits, misses, hitRate: hits + misses ? hits / (hits + misses) : null };
  app.deps.logger.info({ keyCache }, 'key cache figures');
  const send = process.send?.bind(process);
  if (!send || !process.connected) return;
  await new Promise<void>((resolve) => {
    send({ type: 'keyhole-stats', keyCache }, undefined, {}, () => resolve());
  });
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const database = config.databaseUrl
    ? await createDatabase({ kind: 'postgres', url: config.databaseUrl })
    : await createDatabase({ kind: 'pglite', dataDir: config.dataDir });
  await database.close();
  process.stdout.write(`Migrations applied (${database.kind}).\n`);
}

async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // CLI commands (seeds, imports) have their own limits: not the request timeouts of `serve`.
  const database = await openConfiguredDatabase(config, { requests: false });
  let app: App;
  try {
    app = await createApp(config, { database });
  } catch (err) {
    await database.close();
    throw err;
  }
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      return migrate();
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default: {
      const extra = (await import('./commands')).commands[command];
      if (!extra) {
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
        process.exitCode = 2;
        return;
      }
      await withApp((app) => extra(app, rest));
    }
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (
    err instanceof ConfigError ||
    err instanceof DataDirInUseError ||
    err instanceof SecretScanningKeysError ||
    err instanceof CliError
  ) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});

export { CliError, parseArgs };
