import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Zapier's own CLI, as a Zapier developer runs it: `zapier-platform-cli` 19 on Node 22 (the repository
 * runs on Node 20). Both come from the npm registry, pinned, into a cache folder OUTSIDE the clone —
 * never workspace dependencies (a workspace `node@22` would shadow Node 20 in this package's scripts).
 * A missing cache is installed here (about a minute); an install that fails fails the test, loudly.
 */
export const ZAPIER_CLI_VERSION = '19.1.0';
export const NODE_22_VERSION = '22.23.3';

export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoRoot = resolve(packageDir, '..', '..');

const READY = '.keyhole-ready.json';

/** `KEYHOLE_ZAPIER_CLI_CACHE`, or `$XDG_CACHE_HOME/keyhole-zapier-cli` (`~/.cache/…`); one folder per version pair. */
function cliCacheDir(): string {
  const root =
    process.env.KEYHOLE_ZAPIER_CLI_CACHE?.trim() ||
    join(process.env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache'), 'keyhole-zapier-cli');
  return resolve(root, `zapier-platform-cli-${ZAPIER_CLI_VERSION}-node-${NODE_22_VERSION}`);
}

const bin = (dir: string, name: string) => join(dir, 'node_modules', '.bin', name);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  file: string,
  args: string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs: number },
) {
  return new Promise<Run>((done) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({
          code,
          stdout: String(stdout),
          stderr: String(stderr || (error && !error.code ? error.message : '')),
        });
      },
    );
  });
}

/** The environment without what pnpm's script runner adds for its own child (npm would misread it). */
function withoutPnpmScriptVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([name]) =>
        !/^npm_(package_|lifecycle_|config_user_agent$|command$|execpath$|node_execpath$)/.test(name),
    ),
  );
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Why `dir` does not hold both tools at their pinned versions, or null when it does. */
async function whyNotUsable(dir: string): Promise<string | null> {
  if (!(await exists(bin(dir, 'node'))) || !(await exists(bin(dir, 'zapier-platform')))) {
    return 'node or zapier-platform is missing';
  }
  const node = await run(bin(dir, 'node'), ['--version'], { env: process.env, timeoutMs: 30_000 });
  if (node.stdout.trim() !== `v${NODE_22_VERSION}`) {
    return `its node is not a working Node ${NODE_22_VERSION}: ${node.stdout}${node.stderr}`.trim();
  }
  const cliPackage = await readFile(join(dir, 'node_modules', 'zapier-platform-cli', 'package.json'), 'utf8')
    .then((text) => JSON.parse(text) as { version?: string })
    .catch(() => ({ version: undefined }));
  if (cliPackage.version !== ZAPIER_CLI_VERSION) {
    return `it has zapier-platform-cli ${cliPackage.version ?? '(none)'}, not ${ZAPIER_CLI_VERSION}`;
  }
  return null;
}

/** Installed by this file (its marker), or by hand as the README shows, as long as the versions are right. */
async function isReady(dir: string): Promise<boolean> {
  if ((await exists(join(dir, READY))) && (await exists(bin(dir, 'zapier-platform')))) return true;
  return (await exists(dir)) && (await whyNotUsable(dir)) === null;
}

/** Half-finished installs of runs that were killed, left for an hour (another run may still be going). */
async function removeStalePartials(parent: string, base: string) {
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(`${base}.partial-`))) {
    const path = join(parent, name);
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Date.now() }));
    if (Date.now() - mtimeMs > 3_600_000) await rm(path, { recursive: true, force: true });
  }
}

export interface InstalledCli {
  dir: string;
  /** Seconds the install took in this run; null when the cache was already there. */
  installSeconds: number | null;
}

/**
 * The cache folder with both tools, installing it first if needed: into a private temporary folder,
 * checked, then renamed into place, so concurrent runs (other worktrees, CI's two passes) never see
 * half an install.
 */
export async function ensureZapierCli(): Promise<InstalledCli> {
  const dir = cliCacheDir();
  const inClone = relative(repoRoot, dir);
  if (!inClone.startsWith('..') && !inClone.startsWith('/')) {
    throw new Error(
      `The Zapier CLI cache ${dir} is inside the repository; set KEYHOLE_ZAPIER_CLI_CACHE to a folder outside it.`,
    );
  }
  if (await isReady(dir)) return { dir, installSeconds: null };

  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await removeStalePartials(parent, relative(parent, dir));
  const partial = `${dir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(partial);
  const started = Date.now();
  const packages = [`node@${NODE_22_VERSION}`, `zapier-platform-cli@${ZAPIER_CLI_VERSION}`];
  const howToByHand = `npm i -E --prefix ${dir} ${packages.join(' ')}`;
  try {
    await writeFile(
      join(partial, 'package.json'),
      // node@22's preinstall links the platform's binary: newer npm runs install scripts only when allowed.
      `${JSON.stringify(
        {
          name: 'keyhole-zapier-cli-cache',
          private: true,
          allowScripts: { [`node@${NODE_22_VERSION}`]: true },
        },
        null,
        2,
      )}\n`,
    );
    const env = withoutPnpmScriptVars(process.env);
    // `--prefix` also moves npm's global config to <prefix>/etc/npmrc, and with it settings such as the
    // machine's `cafile` (a TLS-inspecting proxy's CA): keep the one npm reads without it.
    const globalConfig = await run('npm', ['config', 'get', 'globalconfig'], { env, timeoutMs: 60_000 });
    const install = await run(
      'npm',
      [
        'install',
        ...(globalConfig.code === 0 && globalConfig.stdout.trim()
          ? ['--globalconfig', globalConfig.stdout.trim()]
          : []),
        '--prefix',
        partial,
        '--save-exact',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--loglevel=error',
        ...packages,
      ],
      { env, timeoutMs: 15 * 60_000 },
    );
    if (install.code !== 0) {
      throw new Error(`npm exited with ${install.code}:\n${(install.stderr || install.stdout).slice(-4000)}`);
    }
    const why = await whyNotUsable(partial);
    if (why) throw new Error(`npm finished, but ${why}`);
    const installSeconds = Math.round((Date.now() - started) / 100) / 10;
    await writeFile(
      join(partial, READY),
      `${JSON.stringify({ packages, installSeconds, installedAt: new Date().toISOString() }, null, 2)}\n`,
    );
    // A folder there that is not usable (a broken or other-version install by hand) makes way.
    if ((await exists(dir)) && !(await isReady(dir))) {
      const aside = `${dir}.partial-old-${process.pid}`;
      await rename(dir, aside).catch(() => {});
      await rm(aside, { recursive: true, force: true });
    }
    try {
      await rename(partial, dir);
    } catch (err) {
      // Another run finished first: use its copy.
      if (!(await isReady(dir))) throw err;
      await rm(partial, { recursive: true, force: true });
    }
    return { dir, installSeconds };
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw new Error(
      `Could not install ${packages.join(' and ')} from the npm registry into ${dir}, which the Zapier CLI ` +
        `validation in this test needs. Check that the npm registry is reachable, or install them by hand ` +
        `(${howToByHand}), or point KEYHOLE_ZAPIER_CLI_CACHE at a folder that has them.\n` +
        `Cause: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * The environment the CLI runs in: Node 22's binary first on PATH (the CLI's `#!/usr/bin/env node`
 * picks it), analytics and the update check off, so nothing leaves this machine; no ZAPIER_* or
 * KEYHOLE_* variables of the caller's, so the definition is built with its defaults.
 */
function cliEnv(dir: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(withoutPnpmScriptVars(process.env)).filter(
      ([name]) => !name.startsWith('ZAPIER_') && !name.startsWith('KEYHOLE_'),
    ),
  );
  return {
    ...inherited,
    PATH: [join(dir, 'node_modules', '.bin'), process.env.PATH].filter(Boolean).join(delimiter),
    DISABLE_ZAPIER_ANALYTICS: '1',
    NO_UPDATE_NOTIFIER: '1',
  };
}

/** `zapier-platform <args>` in `cwd`, as a developer would type it with Node 22 on PATH. */
export function zapierPlatform(dir: string, args: string[], cwd: string): Promise<Run> {
  return run(bin(dir, 'zapier-platform'), args, { cwd, env: cliEnv(dir), timeoutMs: 120_000 });
}

/** `node <args>` as resolved through the CLI's PATH. */
export function nodeOnCliPath(dir: string, args: string[]): Promise<Run> {
  return run('node', args, { env: cliEnv(dir), timeoutMs: 30_000 });
}
