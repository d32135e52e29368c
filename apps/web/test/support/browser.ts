import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';

/**
 * Finds a Chromium for the browser tests, obtaining one when the machine has none, so `pnpm test`
 * works on a fresh machine. In order: CHROMIUM_PATH; Debian's /usr/bin/chromium; one fetched earlier
 * into the cache; Debian's package installed now (root with apt-get only; KEYHOLE_BROWSER_APT=off
 * skips it); the headless Chromium shipped inside the npm package @sparticuz/chromium. When none
 * works the error says what was tried and how to fix it: a browser test never skips silently.
 */

type ChromiumSource = 'CHROMIUM_PATH' | 'system' | 'cache' | 'apt' | 'npm';

export interface ObtainedChromium {
  executablePath: string;
  source: ChromiumSource;
  /** The first line of `--version`, e.g. "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)". */
  version: string;
}

export interface ObtainOptions {
  /** The environment read (CHROMIUM_PATH, KEYHOLE_BROWSER_APT, XDG_CACHE_HOME, HOME) and passed to apt-get and npm. */
  env?: NodeJS.ProcessEnv;
  /** Where Debian's package puts the browser. */
  systemPath?: string;
  /** Progress of the slow steps (apt-get, npm), one line each. */
  log?: (line: string) => void;
}

/**
 * Pinned with its integrity: the tarball is ~70 MB of executable code fetched at test time. 153 is
 * the newest release; its headless shell needs glibc 2.25 and libnss3/libnspr4/libexpat1, which
 * Debian 12 has (the package's Amazon Linux copies are used when the machine lacks them). The
 * package's own JavaScript (Node >= 22 only, extracts into /tmp) is not used.
 */
export const NPM_CHROMIUM = {
  name: '@sparticuz/chromium',
  version: '153.0.0',
  integrity:
    'sha512-jiGWqSvPMdu4+P9TilYqAR7yEGPEHINx+lCvE/NqNO/EHYzF/x1hUiI5T6ioVIt7dEy7n88byyT0vk+dnsgQwA==',
} as const;

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const LAUNCHER = 'chromium-launcher';
const APT_TIMEOUT_MS = 10 * 60_000;
const NPM_TIMEOUT_MS = 5 * 60_000;
const VERSION_TIMEOUT_MS = 30_000;

/** `${XDG_CACHE_HOME:-~/.cache}/keyhole/chromium`: outside the clone, so a fresh clone reuses it. */
export function chromiumCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), '.cache');
  return path.join(cacheHome, 'keyhole', 'chromium');
}

/** Where the npm-shipped browser lives once obtained; its launcher is the executable handed out. */
export function npmChromiumDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(chromiumCacheDir(env), `sparticuz-chromium-${NPM_CHROMIUM.version}`);
}

export async function obtainChromium(options: ObtainOptions = {}): Promise<ObtainedChromium> {
  const env = options.env ?? process.env;
  const systemPath = options.systemPath ?? SYSTEM_CHROMIUM;
  const log = options.log ?? (() => {});
  const tried: string[] = [];

  const explicit = env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit)) {
      throw new Error(
        `CHROMIUM_PATH=${explicit} does not exist. Point CHROMIUM_PATH at a Chromium executable, or unset it to let the tests find or obtain one.`,
      );
    }
    const version = await versionOf(explicit, env);
    if (!version.ok) throw new Error(`CHROMIUM_PATH=${explicit} does not run: ${version.error}`);
    return { executablePath: explicit, source: 'CHROMIUM_PATH', version: version.line };
  }
  tried.push('CHROMIUM_PATH: not set');

  if (existsSync(systemPath)) {
    const version = await versionOf(systemPath, env);
    if (version.ok) return { executablePath: systemPath, source: 'system', version: version.line };
    tried.push(`${systemPath}: present but does not run: ${version.error}`);
  } else {
    tried.push(`${systemPath}: not present`);
  }

  const cached = path.join(npmChromiumDir(env), LAUNCHER);
  if (existsSync(cached)) {
    const version = await versionOf(cached, env);
    if (version.ok) return { executablePath: cached, source: 'cache', version: version.line };
    // Ours to discard: the npm step below obtains it again.
    await rm(npmChromiumDir(env), { recursive: true, force: true });
    tried.push(`cache ${cached}: did not run (${version.error}), removed`);
  } else {
    tried.push(`cache ${npmChromiumDir(env)}: empty`);
  }

  const apt = await installWithApt(env, systemPath, log);
  if (apt.ok) return { executablePath: systemPath, source: 'apt', version: apt.version };
  tried.push(`apt-get install chromium: ${apt.error}`);

  try {
    const executablePath = await fetchFromNpm(env, log);
    const version = await versionOf(executablePath, env);
    if (version.ok) return { executablePath, source: 'npm', version: version.line };
    await rm(npmChromiumDir(env), { recursive: true, force: true });
    tried.push(
      `npm ${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version}: fetched but does not run: ${version.error}`,
    );
  } catch (err) {
    tried.push(`npm ${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version}: ${(err as Error).message}`);
  }

  throw new Error(
    [
      'No Chromium for the browser tests. Tried, in order:',
      ...tried.map((line, i) => `  ${i + 1}. ${line}`),
      'Fix: install Chromium (Debian: `apt-get install chromium`, as root) or set CHROMIUM_PATH to a Chromium executable.',
    ].join('\n'),
  );
}

/** The line the test run prints: which browser, and where it came from. */
export function describeChromium(browser: ObtainedChromium): string {
  const npm = `npm ${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version}`;
  const origin: Record<ChromiumSource, string> = {
    CHROMIUM_PATH: 'from CHROMIUM_PATH',
    system: 'already installed',
    cache: `fetched earlier from ${npm}`,
    apt: 'installed by the test run with apt-get',
    npm: `fetched by the test run from ${npm}`,
  };
  return `browser: ${browser.version} (${browser.executablePath}, ${origin[browser.source]})`;
}

type Version = { ok: true; line: string } | { ok: false; error: string };

async function versionOf(executable: string, env: NodeJS.ProcessEnv): Promise<Version> {
  const run = await runCommand(executable, ['--version'], { env, timeoutMs: VERSION_TIMEOUT_MS });
  // stdout only: Debian's launcher script may print warnings of its own on stderr first.
  const line = run.stdout
    .split('\n')
    .find((l) => /chrom/i.test(l) && /\d+\.\d+/.test(l))
    ?.trim();
  if (run.code === 0 && line) return { ok: true, line };
  return { ok: false, error: run.error ?? `\`--version\` ${exitText(run)}: ${tail(run.output)}` };
}

type AptResult = { ok: true; version: string } | { ok: false; error: string };

async function installWithApt(
  env: NodeJS.ProcessEnv,
  systemPath: string,
  log: (line: string) => void,
): Promise<AptResult> {
  if (env.KEYHOLE_BROWSER_APT === 'off') return { ok: false, error: 'skipped (KEYHOLE_BROWSER_APT=off)' };
  if (process.getuid?.() !== 0) return { ok: false, error: 'skipped (not running as root)' };
  if (!onPath('apt-get', env)) return { ok: false, error: 'skipped (no apt-get on PATH)' };

  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const deadline = Date.now() + APT_TIMEOUT_MS;
  // Another apt-get (another test run, unattended upgrades) may hold the lock: wait for it, within the bound.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=120'];
  log('browser: installing Debian chromium with apt-get (up to 10 min)');
  for (const args of [
    [...lockWait, 'update', '-q'],
    [...lockWait, 'install', '-y', '-q', 'chromium'],
  ]) {
    const run = await runCommand('apt-get', args, {
      env: aptEnv,
      timeoutMs: Math.max(1, deadline - Date.now()),
    });
    if (run.code !== 0) {
      return {
        ok: false,
        error: `\`apt-get ${args.join(' ')}\` ${run.error ?? exitText(run)}:\n${indent(tail(run.output, 30))}`,
      };
    }
  }
  if (!existsSync(systemPath)) return { ok: false, error: `installed, but ${systemPath} is still missing` };
  const version = await versionOf(systemPath, env);
  if (!version.ok) return { ok: false, error: `installed, but ${systemPath} does not run: ${version.error}` };
  return { ok: true, version: version.line };
}

/**
 * `npm pack` (the user's registry and proxy settings apply) into a staging folder beside the final one,
 * unpacked there, then renamed into place: a concurrent test run either wins the rename or finds the
 * finished folder, never a half-written one.
 */
async function fetchFromNpm(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<string> {
  const finalDir = npmChromiumDir(env);
  await mkdir(path.dirname(finalDir), { recursive: true });
  const staging = await mkdtemp(`${finalDir}.partial-`);
  try {
    const spec = `${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version}`;
    log(`browser: fetching ${spec} from the npm registry (~70 MB)`);
    const pack = await runCommand(
      'npm',
      [
        'pack',
        spec,
        '--json',
        '--pack-destination',
        staging,
        '--no-update-notifier',
        '--no-fund',
        '--no-audit',
      ],
      { env, timeoutMs: NPM_TIMEOUT_MS },
    );
    if (pack.code !== 0)
      throw new Error(`\`npm pack ${spec}\` ${pack.error ?? exitText(pack)}:\n${indent(tail(pack.output))}`);
    const tarball = (await readdir(staging)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`\`npm pack ${spec}\` left no tarball:\n${indent(tail(pack.output))}`);
    const integrity = /"integrity":\s*"([^"]+)"/.exec(pack.output)?.[1];
    if (integrity !== NPM_CHROMIUM.integrity) {
      throw new Error(
        `${spec} has integrity ${integrity ?? '(none reported)'}, expected ${NPM_CHROMIUM.integrity}`,
      );
    }

    const tgz = path.join(staging, tarball);
    const wanted = ['chromium.br', 'fonts.tar.br', 'al2023.tar.br'].map((f) => `package/bin/${f}`);
    await mustSucceed('tar', ['-xzf', tgz, '--no-same-owner', '-C', staging, ...wanted], env);
    await rm(tgz);
    const bin = path.join(staging, 'package', 'bin');
    await pipeline(
      createReadStream(path.join(bin, 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(path.join(staging, 'chromium'), { mode: 0o755 }),
    );
    await untarBrotli(path.join(bin, 'fonts.tar.br'), staging, env);

    // Debian's own NSS/expat when present (they get its security updates); the package's copies otherwise.
    const libs: string[] = [];
    if ((await missingLibraries(path.join(staging, 'chromium'), env)).length > 0) {
      await untarBrotli(path.join(bin, 'al2023.tar.br'), staging, env);
      const missing = await missingLibraries(path.join(staging, 'chromium'), {
        ...env,
        LD_LIBRARY_PATH: path.join(staging, 'lib'),
      });
      if (missing.length > 0) {
        throw new Error(
          `its Chromium needs libraries this machine lacks: ${missing.join(', ')} (Debian: apt-get install libnss3 libnspr4 libexpat1)`,
        );
      }
      libs.push(path.join(finalDir, 'lib'));
    }
    await rm(path.join(staging, 'package'), { recursive: true });
    await writeLauncher(staging, finalDir, libs);
    // mkdtemp made it private; the finished browser is not.
    await chmod(staging, 0o755);

    try {
      await rename(staging, finalDir);
    } catch (err) {
      // Another run finished first: use its copy.
      if (!existsSync(path.join(finalDir, LAUNCHER))) throw err;
    }
    return path.join(finalDir, LAUNCHER);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The executable handed out: sets up fonts (the machine's, plus the package's Open Sans so text renders
 * where there are none) and, when needed, the library path, then execs the browser with its arguments.
 */
async function writeLauncher(staging: string, finalDir: string, libs: string[]): Promise<void> {
  await writeFile(
    path.join(staging, 'fonts.conf'),
    [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
      '<fontconfig>',
      '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
      `  <dir>${path.join(finalDir, 'fonts')}</dir>`,
      `  <cachedir>${path.join(finalDir, 'fonts-cache')}</cachedir>`,
      '</fontconfig>',
      '',
    ].join('\n'),
  );
  await writeFile(
    path.join(staging, LAUNCHER),
    [
      '#!/bin/sh',
      `# Written by apps/web/test/support/browser.ts from ${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version}.`,
      `export FONTCONFIG_FILE=${shellQuote(path.join(finalDir, 'fonts.conf'))}`,
      ...(libs.length > 0
        ? [`export LD_LIBRARY_PATH=${shellQuote(libs.join(':'))}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}`]
        : []),
      `exec ${shellQuote(path.join(finalDir, 'chromium'))} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
}

async function missingLibraries(executable: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  // Without ldd there is nothing to check: the --version run after the fetch still catches a browser that cannot start.
  if (!onPath('ldd', env)) return [];
  const run = await runCommand('ldd', [executable], { env, timeoutMs: VERSION_TIMEOUT_MS });
  return [...run.output.matchAll(/^\s*(\S+) => not found/gm)].map((m) => m[1]!);
}

async function untarBrotli(archive: string, into: string, env: NodeJS.ProcessEnv): Promise<void> {
  const tar = spawn('tar', ['-x', '--no-same-owner', '-C', into], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('close', resolve);
  });
  await pipeline(createReadStream(archive), createBrotliDecompress(), tar.stdin);
  const code = await exited;
  if (code !== 0)
    throw new Error(`unpacking ${path.basename(archive)} failed (tar exited ${code}): ${tail(stderr)}`);
}

async function mustSucceed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const run = await runCommand(command, args, { env, timeoutMs: NPM_TIMEOUT_MS });
  if (run.code !== 0)
    throw new Error(`\`${command} ${args.join(' ')}\` ${run.error ?? exitText(run)}: ${tail(run.output)}`);
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  stdout: string;
  /** Set when the command could not start or ran out of time. */
  error?: string;
}

function runCommand(
  command: string,
  args: string[],
  { env, timeoutMs }: { env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({
        code: null,
        signal: null,
        output,
        stdout,
        error: `could not start ${command}: ${err.message}`,
      });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const error = timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : undefined;
      resolve({ code, signal, output, stdout, ...(error ? { error } : {}) });
    });
  });
}

function exitText(run: Run): string {
  return run.signal ? `was killed by ${run.signal}` : `exited ${run.code}`;
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, command)));
}

function tail(text: string, lines = 15): string {
  const kept = text.trimEnd().split('\n').slice(-lines).join('\n');
  return kept || '(no output)';
}

function indent(text: string): string {
  return text.replace(/^/gm, '     ');
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
