import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid} (a running Keyhole server). ` +
        'Stop the server first, or point DATABASE_URL at PostgreSQL to share one database between processes.',
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or null where
 * /proc is not there (not Linux) or the process is gone. A pid reused by another process has
 * another start time.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether the process could be a Keyhole server or CLI, for locks that carry no start time (written
 * by older versions): a Node process, or one whose command line names Keyhole. Conservative: a
 * reused pid now running `sleep` or a shell is told apart; another Node program is not.
 */
function mayBeKeyhole(pid: number): boolean | null {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return /(^|\/)node[^/]*$/.test(argv[0] ?? '') || /keyhole|cli\.ts/i.test(argv.join(' '));
  } catch {
    return null;
  }
}

interface LockOwner {
  pid: number;
  /** From /proc/<pid>/stat; absent in locks written by older versions (the bare pid). */
  startTime?: string;
}

function parseLock(text: string): LockOwner | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) };
  try {
    const owner = JSON.parse(trimmed) as LockOwner;
    return Number.isInteger(owner.pid) ? owner : null;
  } catch {
    return null;
  }
}

/** Whether the lock's owner is still the process that wrote it (not a dead one, nor a reused pid). */
function holderIsLive(owner: LockOwner): boolean {
  if (owner.pid === process.pid || !isAlive(owner.pid)) return false;
  const now = processStartTime(owner.pid);
  if (owner.startTime !== undefined && now !== null) return now === owner.startTime;
  // A lock without a start time (or no /proc): trust the command line where it can be read.
  return mayBeKeyhole(owner.pid) ?? true;
}

/**
 * PGlite is a single-process database: two processes writing one data dir corrupt it.
 * A lock file naming our pid and its start time keeps a second process out; a lock left by a dead
 * process is taken over, and so is one whose pid now belongs to an unrelated process (pid reuse
 * after a kill -9).
 */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'keyhole.lock');
  const mine = JSON.stringify({
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? undefined,
  } satisfies LockOwner);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, mine, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === mine) fs.unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner: LockOwner | null = null;
      try {
        owner = parseLock(fs.readFileSync(lockPath, 'utf8'));
      } catch (readErr) {
        // Removed between our write and our read: try again.
        if ((readErr as NodeJS.ErrnoException).code !== 'ENOENT') throw readErr;
        continue;
      }
      if (owner && holderIsLive(owner)) throw new DataDirInUseError(dataDir, owner.pid);
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}

/** On PGlite the HMAC/encryption root is generated once and kept beside the data, readable by us alone. */
export function readOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
