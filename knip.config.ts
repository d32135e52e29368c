import type { KnipConfig } from 'knip';

// Unused files, exports and dependencies, checked by `pnpm lint`. Every ignore says why.
const config: KnipConfig = {
  // zapier-platform-core: apps/zapier/package.json must name the exact version (the Zapier CLI reads
  // package.json as is and refuses a `catalog:` reference); the catalog entry is the pin that
  // apps/zapier/test/definition.test.ts holds it equal to, so no package references it.
  ignoreIssues: { 'pnpm-workspace.yaml': ['catalog'] },
  workspaces: {
    '.': {
      entry: ['scripts/*.mjs'],
    },
    'packages/core': {
      entry: ['src/index.ts', 'test/**/*.test.ts', 'vitest.config.ts'],
      project: ['src/**/*.ts', 'test/**/*.ts'],
    },
    'packages/client': {
      entry: ['src/index.ts', 'test/**/*.test.ts', 'vitest.config.ts'],
      project: ['src/**/*.ts', 'test/**/*.ts'],
    },
    'packages/api': {
      // The exports map: "." (index), "./host" (the server process); "./internal/*" is for tests and
      // bench, which knip follows from their own workspaces.
      entry: ['src/index.ts', 'src/host.ts', 'drizzle.config.ts'],
      project: ['src/**/*.ts'],
    },
    'apps/server': {
      entry: [
        'src/cli/main.ts',
        'test/**/*.test.ts',
        'test/support/global-setup.ts',
        'bench/*.ts',
        'vitest*.config.ts',
        'scripts/*.ts',
        'scripts/*.mjs',
      ],
      project: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,mjs}'],
      // redoc: its standalone bundle is served as a file (require.resolve in src/http/api-docs.ts), not
      // imported. @redocly/cli: its binary is run by test/rest/openapi-document.test.ts by path.
      ignoreDependencies: ['redoc', '@redocly/cli'],
      // Rule fixtures for test/architecture: copied to a temp dir and cruised, never imported.
      ignore: ['test/fixtures/**'],
      // System binaries tests spawn when present (they skip without them), not npm packages: the Redis
      // fault tests start redis-server; test/webhooks/outbound-safety.test.ts makes a self-signed
      // certificate with openssl.
      ignoreBinaries: ['redis-server', 'openssl'],
    },
    'apps/web': {
      entry: [
        'index.html',
        'src/main.tsx',
        'scripts/*.mjs',
        'test/**/*.test.ts',
        'vite.config.ts',
        'vitest.config.ts',
      ],
      project: ['src/**/*.{ts,tsx}', 'test/**/*.ts', 'scripts/*.mjs'],
      // Loaded as a file (require.resolve('axe-core/axe.min.js')) and injected into the page, not imported.
      ignoreDependencies: ['axe-core'],
    },
    'apps/zapier': {
      entry: ['src/index.ts', 'test/**/*.test.ts', 'vitest.config.ts'],
      project: ['src/**/*.ts', 'test/**/*.ts'],
      // TEMPORARY (webhooks in progress): the signature verifier of the Zapier webhook tests to come
      // on another branch; remove when they land.
      ignoreDependencies: ['standardwebhooks'],
    },
    bench: {
      entry: ['run.ts', 'floor.ts'],
      project: ['**/*.ts'],
    },
  },
};

export default config;
