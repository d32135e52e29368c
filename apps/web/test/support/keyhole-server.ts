import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const API_DIR = fileURLToPath(new URL('../../../server/', import.meta.url));

/**
 * The child's environment: ours minus everything that would point it elsewhere. CI runs `pnpm test`
 * a second time with DATABASE_URL, KEYHOLE_SECRET and REDIS_URL set; this test always runs the
 * embedded database in its own directory, so none of those may leak into the child.
 */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.startsWith('KEYHOLE_') &&
        k !== 'DATABASE_URL' &&
        k !== 'REDIS_URL' &&
        k !== 'PORT' &&
        k !== 'HOST',
    ),
  );
  return { ...base, NODE_ENV: 'test', ...extra };
}

export interface KeyholeServer {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

/** `keyhole serve` as `pnpm start` runs it, on PGlite in `dataDir`, on `port` (0: any free port). */
export async function startServer(dataDir: string, port: number): Promise<KeyholeServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: API_DIR,
    env: cleanEnv({
      KEYHOLE_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      KEYHOLE_SEED: 'off',
      KEYHOLE_PASSWORD_COST: '10',
      KEYHOLE_USAGE_FLUSH_MS: '500',
      KEYHOLE_LOG_LEVEL: 'warn',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  // Ready when the child itself says where it listens: polling /healthz on a port picked in advance
  // could be answered by another test's server that took the port meanwhile (turbo runs suites at once).
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`keyhole serve exited early:\n${output.join('')}`);
    const listening = /Keyhole is running at (http:\/\/[^\s]+)/.exec(output.join(''));
    if (listening) return { url: listening[1]!, output, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`keyhole serve did not start:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A CLI command (e.g. legacy-import) against the same data dir; the server must be stopped first. */
export function runCli(
  dataDir: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: API_DIR,
      env: cleanEnv({ KEYHOLE_DATA_DIR: dataDir, KEYHOLE_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
