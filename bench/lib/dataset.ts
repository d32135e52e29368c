import { childEnv, runCli } from '@keyhole/testing/serve-process';
import postgres from 'postgres';
import { round } from './processes';

export interface Dataset {
  name: string;
  url: string;
  meetings: number;
  orgId: string;
  adminId: string;
  heavyUserId: string;
  /** A non-private meeting of the org, for meetings.get. */
  meetingId: string;
  /** Seconds the `keyhole seed` command took, when this run seeded it. */
  seedSeconds: number | null;
  seedOutput: string | null;
  /** The database's size on disk (tables, indexes, TOAST), in MiB. */
  diskMiB: number;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function meetingCount(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: string }[]>`select count(*)::text as n from meetings`;
    return Number(row?.n ?? 0);
  } catch {
    return -1;
  } finally {
    await sql.end();
  }
}

async function runSeed(
  url: string,
  secret: string,
  args: string[],
): Promise<{ seconds: number; output: string }> {
  const started = Date.now();
  const env = childEnv(
    { DATABASE_URL: url, KEYHOLE_SECRET: secret, KEYHOLE_LOG_LEVEL: 'warn' },
    { inherit: 'minimal' },
  );
  const { code, stdout, stderr } = await runCli(['seed', ...args], env);
  process.stderr.write(stderr);
  if (code !== 0) throw new Error(`seed failed (${code}): ${stdout}`);
  return { seconds: round((Date.now() - started) / 1000, 1), output: stdout.trim() };
}

/**
 * A benchmark database with `meetings` meetings over 10 orgs and `users` users, made with the real
 * `keyhole seed` command (timed) unless it already holds that many (`fresh` forces a new one).
 */
export async function ensureDataset(opts: {
  baseUrl: string;
  secret: string;
  meetings: number;
  users: number;
  fresh: boolean;
}): Promise<Dataset> {
  const name = `keyhole_bench_${opts.meetings}`;
  const url = withDatabase(opts.baseUrl, name);
  let seedSeconds: number | null = null;
  let seedOutput: string | null = null;
  if (opts.fresh || (await meetingCount(url)) !== opts.meetings) {
    const admin = postgres(opts.baseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    process.stderr.write(`Seeding ${name}: 10 orgs, ${opts.users} users, ${opts.meetings} meetings\n`);
    const r = await runSeed(url, opts.secret, [
      '--orgs',
      '10',
      '--users',
      String(opts.users),
      '--meetings',
      String(opts.meetings),
    ]);
    seedSeconds = r.seconds;
    seedOutput = r.output;
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql`analyze`;
    await sql.end();
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // The first bulk org; its admin is user 1 and its heavy user user 2 (see bulk-seed.ts).
    const [org] = await sql<{ id: string }[]>`select id from orgs where name like 'Bulk Org 1 %' limit 1`;
    const [admin] = await sql<{ id: string }[]>`
      select id from users where org_id = ${org!.id} and email like 'user1.org1.%'`;
    const [heavy] = await sql<{ id: string }[]>`
      select id from users where org_id = ${org!.id} and email like 'user2.org1.%'`;
    const [size] = await sql<{ bytes: string }[]>`select pg_database_size(current_database())::text as bytes`;
    const [meeting] = await sql<{ id: string }[]>`
      select id from meetings where org_id = ${org!.id} and not is_private order by start_at desc limit 1`;
    // Earlier runs' keys would fill the org's 10 slots: revoke them (the row stays, as revoke does).
    await sql`update api_keys set revoked_at = now(), secret_hash = null, secret_ciphertext = null,
      previous_secret_hash = null, previous_secret_valid_until = null
      where org_id = ${org!.id} and revoked_at is null`;
    return {
      name,
      url,
      meetings: opts.meetings,
      orgId: org!.id,
      adminId: admin!.id,
      heavyUserId: heavy!.id,
      meetingId: meeting!.id,
      seedSeconds,
      seedOutput,
      diskMiB: round(Number(size!.bytes) / 2 ** 20, 0),
    };
  } finally {
    await sql.end();
  }
}
