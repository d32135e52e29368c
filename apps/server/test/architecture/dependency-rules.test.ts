import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The architecture rules of `pnpm lint` fire: the SAME .dependency-cruiser.mjs the lint uses is run on
 * two fixture trees that mirror the repository layout. `violating` holds one deliberate violation per
 * rule (including an import of an app through its package name, resolved via a node_modules symlink
 * like pnpm's); `clean` holds the allowed shape of every layer and must produce no violation at all.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const configFile = path.join(repoRoot, '.dependency-cruiser.mjs');
const fixtures = path.join(here, '../fixtures/architecture');
const temps: string[] = [];

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** Copies a fixture tree to a temp dir and links every fixture package into node_modules/@keyhole. */
function workspaceFrom(tree: string): string {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'keyhole-depcruise-')));
  temps.push(root);
  cpSync(path.join(fixtures, tree), root, { recursive: true });
  mkdirSync(path.join(root, 'node_modules/@keyhole'), { recursive: true });
  for (const group of ['packages', 'apps']) {
    for (const name of ['core', 'api', 'client', 'server', 'web']) {
      const dir = path.join(root, group, name);
      let manifest: { name: string };
      try {
        manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      symlinkSync(dir, path.join(root, 'node_modules', manifest.name), 'dir');
    }
  }
  return root;
}

async function violationsIn(tree: string) {
  const baseDir = workspaceFrom(tree);
  const options = await extractDepcruiseOptions(configFile);
  const { output } = await cruise(['packages', 'apps'], { ...options, baseDir });
  const result = output as ICruiseResult;
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

const ruleNames = async (): Promise<string[]> => {
  const options = await extractDepcruiseOptions(configFile);
  return (options.ruleSet?.forbidden ?? []).map((rule) => rule.name ?? '');
};

describe('architecture rules (.dependency-cruiser.mjs)', () => {
  it('every rule is an error and says why', async () => {
    const options = await extractDepcruiseOptions(configFile);
    for (const rule of options.ruleSet?.forbidden ?? []) {
      expect(rule.severity, rule.name).toBe('error');
      expect(rule.comment?.length, rule.name).toBeGreaterThan(20);
    }
  });

  it('each rule fires on its deliberate violation', async () => {
    const violations = await violationsIn('violating');
    const fired = (rule: string, from: string, to: string) =>
      violations.some((v) => v.rule === rule && v.from === from && v.to === to);
    expect(fired('core-is-pure', 'packages/core/src/impure.ts', 'packages/api/src/index.ts')).toBe(true);
    expect(
      violations.some(
        (v) => v.rule === 'core-no-node-builtins' && v.from === 'packages/core/src/uses-node.ts',
      ),
    ).toBe(true);
    expect(
      fired('no-package-imports-app', 'packages/client/src/reaches-app.ts', 'apps/server/src/index.ts'),
    ).toBe(true);
    expect(
      fired(
        'api-auth-db-below-services',
        'packages/api/src/db/calls-service.ts',
        'packages/api/src/services/list-keys.ts',
      ),
    ).toBe(true);
    expect(
      fired(
        'api-services-not-transport',
        'packages/api/src/services/uses-trpc.ts',
        'packages/api/src/trpc/trpc.ts',
      ),
    ).toBe(true);
    expect(
      fired(
        'api-services-not-schema',
        'packages/api/src/services/uses-schema.ts',
        'packages/api/src/db/schema.ts',
      ),
    ).toBe(true);
    expect(
      fired('api-lib-is-leaf', 'packages/api/src/lib/uses-auth.ts', 'packages/api/src/auth/verify-key.ts'),
    ).toBe(true);
    expect(
      fired('api-routers-not-db', 'packages/api/src/routers/uses-db.ts', 'packages/api/src/db/key-store.ts'),
    ).toBe(true);
    expect(
      fired(
        'api-rest-describes-routers',
        'packages/api/src/rest/uses-db.ts',
        'packages/api/src/db/key-store.ts',
      ),
    ).toBe(true);
    expect(
      fired(
        'server-uses-host-entry',
        'apps/server/src/uses-internal.ts',
        'packages/api/src/services/list-keys.ts',
      ),
    ).toBe(true);
    expect(fired('clients-use-api-root-entry', 'apps/web/src/uses-host.ts', 'packages/api/src/host.ts')).toBe(
      true,
    );
    expect(
      fired('clients-import-api-types-only', 'apps/web/src/value-import.ts', 'packages/api/src/index.ts'),
    ).toBe(true);
    expect(
      violations.some((v) => v.rule === 'no-circular' && v.from.startsWith('packages/api/src/lib/cycle-')),
    ).toBe(true);
    // Nothing else: every violation is one of the deliberate ones, and every rule was proven.
    expect([...new Set(violations.map((v) => v.rule))].sort()).toEqual((await ruleNames()).sort());
    expect(
      violations.filter((v) => !/(impure|uses-|reaches-|calls-|value-import|cycle-)/.test(v.from)),
    ).toEqual([]);
  });

  it('the allowed shape of every layer (and tests using internals) has no violation', async () => {
    expect(await violationsIn('clean')).toEqual([]);
  });
});
