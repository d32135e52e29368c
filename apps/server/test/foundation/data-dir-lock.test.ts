import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataDirInUseError, lockDataDir, processStartTime } from '@keyhole/api/internal/db/data-dir';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * SPEC §6/§9: the embedded database's data dir belongs to one process. A lock left by a killed
 * process is taken over even when its pid now belongs to an unrelated live process (pid reuse
 * after kill -9); a live Keyhole holder is still refused with the message saying to stop it.
 */

const API_DIR = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyhole-lock-'));
  dirs.push(dir);
  return dir;
}

function unrelatedProcess(): ChildProcess {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

const lockFile = (dir: string) => path.join(dir, 'keyhole.lock');

describe('data-dir lock', () => {
  it('takes over a lock naming a live unrelated pid (a bare pid, as older versions wrote it)', () => {
    const dir = tempDir();
    const sleeper = unrelatedProcess();
    writeFileSync(lockFile(dir), String(sleeper.pid));
    const release = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('takes over a lock whose pid is live but started at another time (pid reused)', () => {
    const dir = tempDir();
    const sleeper = unrelatedProcess();
    // As if a Keyhole server with this pid had written it, then been killed, and the pid reused.
    writeFileSync(lockFile(dir), JSON.stringify({ pid: sleeper.pid, startTime: '1' }));
    const release = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('refuses a live holder (its pid and start time match), naming it, and leaves its lock alone', async () => {
    const dir = tempDir();
    // Another process holding the lock through lockDataDir itself.
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('../../packages/api/src/db/data-dir.ts').then((m) => { m.lockDataDir(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000); });`,
      ],
      { cwd: API_DIR, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(holder);
    await new Promise<void>((resolve) =>
      holder.stdout!.on('data', (d: Buffer) => d.includes('locked') && resolve()),
    );
    const before = readFileSync(lockFile(dir), 'utf8');
    expect(JSON.parse(before)).toEqual({ pid: holder.pid, startTime: processStartTime(holder.pid!) });
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(`in use by process ${holder.pid} (a running Keyhole server)`);
    expect(readFileSync(lockFile(dir), 'utf8')).toBe(before);
  });

  it('takes over a lock left by a process that is gone', () => {
    const dir = tempDir();
    writeFileSync(lockFile(dir), JSON.stringify({ pid: 2 ** 22 + 1, startTime: '5' }));
    lockDataDir(dir)();
  });
});
