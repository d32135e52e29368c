// `pnpm --filter @keyhole/server build` (and every `pnpm start`): the `keyhole` process as one
// JavaScript file, apps/server/dist/keyhole.mjs, so production runs plain `node` instead of tsx.
// tsx compiles TypeScript in a loader thread of its own, which stays resident: the same server idled
// at 196 MiB RSS under tsx and at 91 MiB from this file (docs/PERFORMANCE.md, "Memory").
//
// Keyhole's own TypeScript (apps/server and the workspace packages) goes into the file; every npm
// package stays outside it, imported by the absolute path esbuild resolves for it here, so each
// package loads from where pnpm installed it (its own files, wasm and workers next to it) and each
// is loaded once. Source files find their neighbours by `import.meta.url` (migrations, package.json,
// the web app's build, Redoc's bundle): each keeps its own URL, written into the file as it is built.
// The result belongs to the checkout it was built in; `pnpm start` rebuilds it every time (< 1 s).
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const SERVER_DIR = fileURLToPath(new URL('../', import.meta.url));
export const BUNDLE = `${SERVER_DIR}dist/keyhole.mjs`;

/** Keyhole's sources keep their own `import.meta.url`, as they had when run from source. */
const ownUrls = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = await readFile(args.path, 'utf8');
      return {
        contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      };
    });
  },
};

/** npm packages stay external, by the absolute path they resolve to from their importer. */
const packagesInPlace = {
  name: 'packages-in-place',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData?.inner || args.path.startsWith('node:')) return undefined;
      const found = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { inner: true },
      });
      if (found.errors.length > 0) return { errors: found.errors };
      if (found.external || !found.path.includes('/node_modules/')) return found;
      return { path: pathToFileURL(found.path).href, external: true };
    });
  },
};

export async function buildServer({ quiet = false } = {}) {
  const started = Date.now();
  await build({
    entryPoints: [`${SERVER_DIR}src/cli/main.ts`],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    keepNames: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [packagesInPlace, ownUrls],
  });
  if (!quiet) console.error(`Built ${BUNDLE} in ${Date.now() - started} ms`);
  return BUNDLE;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildServer();
