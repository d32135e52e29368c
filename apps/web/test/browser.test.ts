import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumCacheDir,
  describeChromium,
  NPM_CHROMIUM,
  npmChromiumDir,
  obtainChromium,
} from './support/browser';

/**
 * The order in which test/support/browser.ts looks for a Chromium, on real files in a scratch folder:
 * small executables stand in for browsers (they answer `--version` as Chromium does). The network is
 * never used: apt-get is switched off and npm talks to a registry on loopback that has nothing.
 */

let dir: string;
let registry: Server;
let registryUrl: string;
let registryRequests = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'keyhole-browser-'));
  registry = createServer((_req, res) => {
    registryRequests++;
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  const address = registry.address();
  if (!address || typeof address === 'string') throw new Error('registry did not bind');
  registryUrl = `http://127.0.0.1:${address.port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => registry?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A fresh home for one case: its own cache, npm cache and config, no apt-get. */
function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = path.join(dir, `home-${++n}`);
  mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CACHE_HOME: path.join(home, 'cache'),
    KEYHOLE_BROWSER_APT: 'off',
    npm_config_registry: registryUrl,
    npm_config_cache: path.join(home, 'npm-cache'),
    npm_config_fetch_retries: '0',
    ...extra,
  };
}

function executable(file: string, script: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

const answersVersion = (version: string) => `[ "$1" = --version ] && echo "${version}" && exit 0\nexit 3`;
const missing = () => path.join(dir, `absent-${++n}`, 'chromium');

describe('obtainChromium', () => {
  it('refuses a CHROMIUM_PATH that does not exist, naming it, without looking further', async () => {
    const wrong = path.join(dir, 'no-such-dir', 'chromium');
    const system = executable(path.join(dir, 'system-1', 'chromium'), answersVersion('Chromium 1.0'));
    await expect(
      obtainChromium({ env: isolatedEnv({ CHROMIUM_PATH: wrong }), systemPath: system }),
    ).rejects.toThrow(`CHROMIUM_PATH=${wrong} does not exist`);
  });

  it('refuses a CHROMIUM_PATH that does not run, with its output', async () => {
    const broken = executable(
      path.join(dir, 'broken', 'chromium'),
      'echo "cannot open shared object" >&2\nexit 127',
    );
    await expect(
      obtainChromium({ env: isolatedEnv({ CHROMIUM_PATH: broken }), systemPath: missing() }),
    ).rejects.toThrow(
      /CHROMIUM_PATH=.*broken\/chromium does not run: `--version` exited 127: cannot open shared object/,
    );
  });

  it('takes CHROMIUM_PATH first, then the system browser, then the cache', async () => {
    const explicit = executable(path.join(dir, 'explicit', 'chrome'), answersVersion('Chromium 3.0'));
    // As Debian's launcher script may: a warning naming itself on stderr before the version.
    const system = executable(
      path.join(dir, 'system-2', 'chromium'),
      `echo "/usr/bin/chromium: 9: [: 2527: unexpected operator" >&2\n${answersVersion('Chromium 2.0 built on Debian')}`,
    );
    const env = isolatedEnv();
    const cached = executable(
      path.join(npmChromiumDir(env), 'chromium-launcher'),
      answersVersion('Chromium 1.0'),
    );

    const fromEnv = await obtainChromium({ env: { ...env, CHROMIUM_PATH: explicit }, systemPath: system });
    expect(fromEnv).toEqual({ executablePath: explicit, source: 'CHROMIUM_PATH', version: 'Chromium 3.0' });
    const fromSystem = await obtainChromium({ env, systemPath: system });
    expect(fromSystem).toEqual({
      executablePath: system,
      source: 'system',
      version: 'Chromium 2.0 built on Debian',
    });
    expect(describeChromium(fromSystem)).toBe(
      `browser: Chromium 2.0 built on Debian (${system}, already installed)`,
    );
    const fromCache = await obtainChromium({ env, systemPath: missing() });
    expect(fromCache).toEqual({ executablePath: cached, source: 'cache', version: 'Chromium 1.0' });
    expect(describeChromium(fromCache)).toContain(
      `fetched earlier from npm ${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version}`,
    );
  });

  it('keeps the cache under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(chromiumCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe(
      '/x/cache/keyhole/chromium',
    );
    expect(chromiumCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/keyhole/chromium');
  });

  it('when nothing works, fails with every step it tried, why each failed, and how to fix it', async () => {
    const env = isolatedEnv();
    const system = missing();
    // A cached browser that no longer starts is discarded, not handed out.
    executable(path.join(npmChromiumDir(env), 'chromium-launcher'), 'exit 1');
    const requestsBefore = registryRequests;

    const error = await obtainChromium({ env, systemPath: system }).then(
      () => new Error('obtained a browser'),
      (err: Error) => err,
    );
    const message = error.message;
    expect(message).toMatch(/^No Chromium for the browser tests\. Tried, in order:\n/);
    expect(message).toContain('1. CHROMIUM_PATH: not set');
    expect(message).toContain(`2. ${system}: not present`);
    expect(message).toMatch(
      /3\. cache .*chromium-launcher: did not run \(`--version` exited 1: \(no output\)\), removed/,
    );
    expect(message).toContain('4. apt-get install chromium: skipped (KEYHOLE_BROWSER_APT=off)');
    expect(message).toMatch(
      new RegExp(
        `5\\. npm ${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version}: \`npm pack .*\` exited 1:[\\s\\S]*404`,
      ),
    );
    expect(message).toContain(
      'Fix: install Chromium (Debian: `apt-get install chromium`, as root) or set CHROMIUM_PATH',
    );
    // npm really asked the (loopback) registry; nothing half-fetched is left in the cache.
    expect(registryRequests).toBeGreaterThan(requestsBefore);
    expect(existsSync(npmChromiumDir(env))).toBe(false);
    expect(readdirSync(chromiumCacheDir(env))).toEqual([]);
  });
});
