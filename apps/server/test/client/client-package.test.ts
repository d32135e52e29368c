/**
 * @keyhole/client as an integrator gets it: packed with `pnpm pack` (its prepack builds it), installed
 * with plain npm into a folder outside the workspace, then used from an ESM script, a CommonJS
 * script and a type-checked TypeScript file against a real server with a real key. publint and attw
 * judge the tarball, and the shipped `.d.ts` must name nothing of the server.
 *
 * Nothing is fetched: @trpc/client and @trpc/server (its only dependencies) are packed from the very
 * copies the workspace installed, and npm installs the three tarballs `--offline` from an empty cache
 * (no test sends anything beyond loopback).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpMutation } from '@keyhole/testing/http';
import { signUpWithKey } from '@keyhole/testing/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const CLIENT_DIR = join(REPO, 'packages/client');
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
const clientRequire = createRequire(join(CLIENT_DIR, 'package.json'));
/** The installed copy of one of the client's dependencies, as the workspace resolved it. */
const dependencyDir = (name: string) => dirname(clientRequire.resolve(`${name}/package.json`));

// Building, packing and installing are not under test for speed: generous bounds, for CI's slow days.
const SLOW = 300_000;

interface Ran {
  code: number | null;
  output: string;
  stdout: string;
}

/**
 * A command to its end. The runner's npm_* variables (pnpm sets many when it runs the tests) are
 * left out so npm in the consumer folder behaves as an integrator's would; registry settings stay.
 */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || /^npm_config_registry$/i.test(k)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...base, DO_NOT_TRACK: '1', npm_config_update_notifier: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, stdout }));
  });
}

async function mustRun(cmd: string, args: string[], cwd: string, env?: Record<string, string>) {
  const ran = await run(cmd, args, cwd, env);
  if (ran.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${ran.code}:\n${ran.output}`);
  return ran;
}

/** Every module a file imports or requires, by specifier. */
function moduleSpecifiers(code: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
    /<reference\s+types\s*=\s*["']([^"']+)["']/g,
  ];
  for (const p of patterns) for (const m of code.matchAll(p)) found.add(m[1]!);
  return [...found].sort();
}

/**
 * The code with comments and string literals blanked: what is left are the names it declares and
 * refers to. The health check's wire value `'pglite' | 'postgres'` is a string, not a reference.
 */
function codeWithoutStringsAndComments(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, "''");
}

const SERVER_NAMES = /@keyhole\/|drizzle|ioredis|pino|postgres|pglite|zod/i;

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let work: string;
let tarball: string;
let consumer: string;
let installed: string;
let apiKey: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'keyhole-client-package-'));
  // Inside the clone, node and tsc would find the workspace's node_modules and prove nothing.
  expect(relative(REPO, work).startsWith('..')).toBe(true);
  const packDir = join(work, 'pack');
  consumer = join(work, 'consumer');
  await mkdir(packDir);
  await mkdir(consumer);

  await mustRun('pnpm', ['pack', '--pack-destination', packDir], CLIENT_DIR);
  const [file] = (await readdir(packDir)).filter((f) => f.endsWith('.tgz'));
  tarball = join(packDir, file!);

  const dependencies = [];
  for (const name of ['@trpc/client', '@trpc/server']) {
    await mustRun(
      'npm',
      ['pack', dependencyDir(name), '--ignore-scripts', '--pack-destination', packDir],
      work,
    );
  }
  for (const f of await readdir(packDir))
    if (f.startsWith('trpc-') && f.endsWith('.tgz')) dependencies.push(join(packDir, f));
  expect(dependencies).toHaveLength(2);

  await writeFile(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'keyhole-client-consumer', private: true, type: 'module' }),
  );
  // --legacy-peer-deps: @trpc/server's optional peer (typescript) would be fetched; tsc comes from the workspace.
  await mustRun(
    'npm',
    [
      'install',
      tarball,
      ...dependencies,
      '--offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--legacy-peer-deps',
      '--cache',
      join(work, 'npm-cache'),
    ],
    consumer,
  );
  installed = join(consumer, 'node_modules/@keyhole/client');

  app = await createTestApp();
  server = await startTestServer(app);
  const account = await signUpWithKey(server.url, 'package');
  apiKey = account.keyString;
  const created = await httpMutation(
    server.url,
    'meetings.create',
    { subject: 'Packed and shipped', startAt: '2026-02-01T09:00:00Z', endAt: '2026-02-01T09:30:00Z' },
    { cookie: account.cookie },
  );
  expect(created.status).toBe(200);
}, SLOW);

afterAll(async () => {
  await server?.close();
  await app?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the @keyhole/client tarball', () => {
  it('holds the build, the README and a package.json with plain version ranges', async () => {
    const tar = await mustRun('tar', ['-tzf', tarball], work);
    expect(tar.stdout.trim().split('\n').sort()).toEqual([
      'package/README.md',
      'package/dist/index.d.mts',
      'package/dist/index.mjs',
      'package/package.json',
    ]);
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      private?: boolean;
      dependencies: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(pkg.private).toBeUndefined();
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@trpc/client', '@trpc/server']);
    for (const range of Object.values({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(range).not.toMatch(/^(workspace|catalog):/);
    }
  });

  it('ships a .d.ts and JavaScript that import only tRPC, naming nothing of the server', async () => {
    const dts = await readFile(join(installed, 'dist/index.d.mts'), 'utf8');
    const js = await readFile(join(installed, 'dist/index.mjs'), 'utf8');
    expect(moduleSpecifiers(dts)).toEqual(['@trpc/client', '@trpc/server']);
    expect(moduleSpecifiers(js)).toEqual(['@trpc/client', '@trpc/server/observable']);
    expect(codeWithoutStringsAndComments(dts)).not.toMatch(SERVER_NAMES);
    expect(codeWithoutStringsAndComments(js)).not.toMatch(SERVER_NAMES);
    // The blanking above must not hide a real reference: it still sees one in a made-up line.
    expect(codeWithoutStringsAndComments("import type { X } from 'zod'; type Y = ZodType;")).toMatch(
      SERVER_NAMES,
    );
  });

  it(
    'passes publint (strict) and attw (esm-only profile)',
    async () => {
      const bin = join(CLIENT_DIR, 'node_modules/.bin');
      const publint = await run(join(bin, 'publint'), ['run', tarball, '--strict'], work);
      expect(publint.output).toContain('All good!');
      expect(publint.code).toBe(0);
      const attw = await run(join(bin, 'attw'), [tarball, '--profile', 'esm-only', '--format', 'json'], work);
      expect(attw.code, attw.output).toBe(0);
      const report = JSON.parse(attw.stdout) as { analysis: { problems: { kind: string }[] } };
      // esm-only ignores only the CommonJS-resolves-to-ESM notice (Node ≥ 20.19 require()s ESM).
      expect(report.analysis.problems.map((p) => p.kind).filter((k) => k !== 'CJSResolvesToESM')).toEqual([]);
    },
    SLOW,
  );

  it('lists meetings from a plain node ESM script', async () => {
    await writeFile(
      join(consumer, 'list.mjs'),
      `import { createKeyholeClient, listAllMeetings } from '@keyhole/client';
const keyhole = createKeyholeClient({ url: process.env.KEYHOLE_URL, apiKey: process.env.KEYHOLE_API_KEY });
const subjects = [];
for await (const m of listAllMeetings(keyhole, { limit: 1 })) subjects.push(m.subject);
const me = await keyhole.whoami.query();
console.log(JSON.stringify({ subjects, scope: me.key.scope }));
`,
    );
    const ran = await mustRun(process.execPath, ['list.mjs'], consumer, {
      KEYHOLE_URL: server.url,
      KEYHOLE_API_KEY: apiKey,
    });
    expect(JSON.parse(ran.stdout)).toEqual({ subjects: ['Packed and shipped'], scope: 'org_full' });
  });

  it('lists meetings from a CommonJS script with require, and its errors are KeyholeErrors', async () => {
    await writeFile(
      join(consumer, 'list.cjs'),
      `const { createKeyholeClient, KeyholeError } = require('@keyhole/client');
(async () => {
  const keyhole = createKeyholeClient({ url: process.env.KEYHOLE_URL, apiKey: process.env.KEYHOLE_API_KEY });
  const page = await keyhole.meetings.list.query({ limit: 10 });
  const stranger = createKeyholeClient({ url: process.env.KEYHOLE_URL, apiKey: 'not-a-key' });
  const err = await stranger.meetings.list.query().catch((e) => e);
  console.log(JSON.stringify({
    subjects: page.items.map((m) => m.subject),
    error: { isKeyholeError: err instanceof KeyholeError, code: err.code, reason: err.reason, httpStatus: err.httpStatus },
  }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const ran = await mustRun(process.execPath, ['list.cjs'], consumer, {
      KEYHOLE_URL: server.url,
      KEYHOLE_API_KEY: apiKey,
    });
    expect(JSON.parse(ran.stdout)).toEqual({
      subjects: ['Packed and shipped'],
      error: { isKeyholeError: true, code: 'UNAUTHORIZED', reason: 'invalid_key', httpStatus: 401 },
    });
  });

  it(
    'type-checks a correct call with tsc and rejects a misspelt input field, naming it',
    async () => {
      const compilerOptions = {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2023',
        lib: ['es2023', 'dom'],
        types: [],
        skipLibCheck: true,
      };
      const call = (input: string) => `import { createKeyholeClient, type Meeting } from '@keyhole/client';
const keyhole = createKeyholeClient({ url: 'http://127.0.0.1:3000', apiKey: 'kh_x:khs_y' });
const page = await keyhole.meetings.list.query(${input});
const first: Meeting | undefined = page.items[0];
const when: string | undefined = first?.startAt;
export { when };
`;
      await writeFile(join(consumer, 'good.ts'), call("{ orderBy: 'completedAt', limit: 10 }"));
      await writeFile(join(consumer, 'bad.ts'), call("{ ordrBy: 'completedAt', limit: 10 }"));
      // CommonJS TypeScript too: `import = require` of the ESM-only package (TypeScript ≥ 5.8, nodenext).
      await writeFile(
        join(consumer, 'good-cjs.cts'),
        `import keyhole = require('@keyhole/client');
const client: keyhole.KeyholeClient = keyhole.createKeyholeClient({ url: 'http://127.0.0.1:3000', apiKey: 'kh_x:khs_y' });
void client.whoami.query().then((me) => me.org.name.toUpperCase());
`,
      );
      await writeFile(
        join(consumer, 'tsconfig.good.json'),
        JSON.stringify({ compilerOptions, files: ['good.ts', 'good-cjs.cts'] }),
      );
      await writeFile(
        join(consumer, 'tsconfig.bad.json'),
        JSON.stringify({ compilerOptions, files: ['bad.ts'] }),
      );
      // The shipped .d.ts checked itself. tRPC's own declarations then want @types/node and the
      // esnext.disposable lib, which this consumer has not got: only their errors may appear.
      await writeFile(
        join(consumer, 'tsconfig.libcheck.json'),
        JSON.stringify({ compilerOptions: { ...compilerOptions, skipLibCheck: false }, files: ['good.ts'] }),
      );

      const good = await run(process.execPath, [TSC, '-p', 'tsconfig.good.json'], consumer);
      expect(good.output).toBe('');
      expect(good.code).toBe(0);
      const bad = await run(process.execPath, [TSC, '-p', 'tsconfig.bad.json'], consumer);
      expect(bad.code).not.toBe(0);
      expect(bad.output).toMatch(/bad\.ts\(3,\d+\): error TS\d+: .*'ordrBy'/);
      const libcheck = await run(process.execPath, [TSC, '-p', 'tsconfig.libcheck.json'], consumer);
      const errorFiles = [...libcheck.output.matchAll(/^(\S+?)\(\d+,\d+\): error/gm)].map((m) => m[1]!);
      expect(libcheck.code === 0 || errorFiles.length > 0, libcheck.output).toBe(true);
      expect(errorFiles.filter((f) => !f.startsWith('node_modules/@trpc/'))).toEqual([]);
    },
    SLOW,
  );
});
