import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ensureZapierCli,
  type InstalledCli,
  NODE_22_VERSION,
  nodeOnCliPath,
  packageDir,
  ZAPIER_CLI_VERSION,
  zapierPlatform,
} from './support/zapier-cli';

/**
 * The built app (dist/, which `pnpm test` builds first) as Zapier's own CLI judges it:
 * `zapier-platform validate --without-style` — the schema checks of `zapier build` and `zapier push`,
 * run locally. `--without-style` skips Zapier's style checks, which run on Zapier's servers;
 * `--skip-build` because dist/ is already built (the CLI would otherwise run `_zapier-build` itself).
 * No test here talks to Zapier: analytics and the update check are off, nothing logs in or pushes.
 */
let cli: InstalledCli;

beforeAll(async () => {
  cli = await ensureZapierCli();
  if (cli.installSeconds !== null) {
    console.info(
      `Installed zapier-platform-cli@${ZAPIER_CLI_VERSION} and node@${NODE_22_VERSION} into ${cli.dir} in ${cli.installSeconds} s.`,
    );
  }
}, 16 * 60_000);

const failure = (what: string, r: { code: number; stdout: string; stderr: string }) =>
  `${what} exited with ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe(`zapier-platform-cli ${ZAPIER_CLI_VERSION} on Node ${NODE_22_VERSION}`, () => {
  it('runs on Node 22 (first on its PATH), and sees the exact zapier-platform-core of package.json', async () => {
    expect((await nodeOnCliPath(cli.dir, ['--version'])).stdout.trim()).toBe(`v${NODE_22_VERSION}`);
    const version = await zapierPlatform(cli.dir, ['--version'], packageDir);
    expect(version.code, failure('zapier-platform --version', version)).toBe(0);
    expect(version.stdout).toContain(`* CLI version: ${ZAPIER_CLI_VERSION}`);
    expect(version.stdout).toContain(`* Node.js version: v${NODE_22_VERSION}`);
    expect(version.stdout).toContain('* `zapier-platform-core` dependency: 19.0.0');
  });

  it('`validate --without-style` finds no structural errors in the built app', async () => {
    const result = await zapierPlatform(
      cli.dir,
      ['validate', '--without-style', '--skip-build', '--format', 'json'],
      packageDir,
    );
    expect(result.code, failure('zapier-platform validate', result)).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('`validate` does report structural errors (so the pass above means something)', async () => {
    // A broken app beside ours, resolving the same zapier-platform-core through apps/zapier/node_modules.
    const tmp = join(packageDir, '.tmp');
    const dir = join(tmp, `cli-broken-${process.pid}`);
    await mkdir(dir, { recursive: true });
    try {
      await writeFile(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'keyhole-zapier-broken-fixture',
          version: '1.0.0',
          main: 'index.js',
          dependencies: { 'zapier-platform-core': '19.0.0' },
        }),
      );
      await writeFile(
        join(dir, 'index.js'),
        `module.exports = {
          version: '1.0.0',
          platformVersion: '19.0.0',
          triggers: {
            no_noun: {
              key: 'no_noun',
              display: { label: 'No Noun', description: 'Triggers when a noun is missing.' },
              operation: { perform: () => [] },
            },
          },
        };\n`,
      );
      const result = await zapierPlatform(
        cli.dir,
        ['validate', '--without-style', '--skip-build', '--format', 'json'],
        dir,
      );
      expect(result.code, failure('zapier-platform validate (broken app)', result)).not.toBe(0);
      expect(JSON.parse(result.stdout)).toEqual([
        expect.objectContaining({ Property: 'App.triggers.no_noun', Message: 'requires property "noun"' }),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rmdir(tmp).catch(() => {});
    }
  });
});
