import { parseArgs } from 'node:util';
import type { App } from '@keyhole/api/host';
import { bulkSeed } from '@keyhole/api/host';
import { CliError } from './cli-error';

function count(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000_000)
    throw new CliError(`--${name} takes a whole number ≥ 1`);
  return n;
}

function bar(done: number, total: number, startedMs: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((done / total) * 100).toFixed(0).padStart(3)}%  ${done}/${total} meetings  ${seconds}s`;
}

/** `keyhole seed --orgs N --users N --meetings N`: bulk data for benchmarks (totals). */
export async function bulkSeedCommand(app: App, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { orgs: { type: 'string' }, users: { type: 'string' }, meetings: { type: 'string' } },
    strict: true,
  });
  const orgs = count(values.orgs ?? '1', 'orgs');
  const users = count(values.users ?? '10', 'users');
  const meetings = count(values.meetings ?? '1000', 'meetings');
  if (users < orgs) throw new CliError('--users must be at least --orgs (every org needs an admin)');
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  const result = await bulkSeed(app.deps.database, {
    orgs,
    users,
    meetings,
    onProgress: (done, total) => {
      if (tty) process.stderr.write(bar(done, total, started));
      else if (done === total || Date.now() - lastPrinted > 2000) {
        lastPrinted = Date.now();
        process.stderr.write(`${bar(done, total, started).slice(1)}\n`);
      }
    },
  });
  if (tty) process.stderr.write('\n');
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `Seeded ${orgs} orgs, ${users} users, ${result.meetings} meetings and ${result.attendees} attendee rows in ${seconds.toFixed(1)} s.\n` +
      `Every bulk user signs in with the password "${result.password}".\n`,
  );
}
