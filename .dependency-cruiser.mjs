// Architecture rules for Keyhole, checked by `pnpm lint` (depcruise) and proven by
// apps/server/test/architecture/dependency-rules.test.ts, which loads THIS file, so the two cannot drift.
//
// Paths are relative to the directory depcruise runs from (the repository root, or a fixture root in
// the test). Workspace packages (`@keyhole/*`) resolve through pnpm's node_modules symlinks to their
// real folders (packages/…, apps/…) using each package's `exports`, so an import by package name is
// judged by the file it lands on, exactly like a relative import.

/** Code that does not ship: tests, benchmarks, tool configs, scripts. Rules about shipped code skip it. */
const NOT_SHIPPED = [
  '(^|/)test/',
  '(^|/)bench/',
  '(^|/)scripts/',
  '\\.config\\.[cm]?[jt]s$',
  '\\.test\\.[cm]?[jt]sx?$',
  '(^|/)node_modules/',
];

const API = '^packages/api/src/';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'core-is-pure',
      comment:
        'packages/core holds the pure rules every other part shares; it must not reach into another ' +
        'workspace package or an app, or the sharing turns into a tangle.',
      severity: 'error',
      from: { path: '^packages/core/src/', pathNot: NOT_SHIPPED },
      to: { path: '^(packages|apps|bench|scripts)/', pathNot: '^packages/core/' },
    },
    {
      name: 'core-no-node-builtins',
      comment:
        'packages/core runs in the browser (apps/web) as well as in Node; it has no Node built-in ' +
        'today and must not gain one.',
      severity: 'error',
      from: { path: '^packages/core/src/', pathNot: NOT_SHIPPED },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-package-imports-app',
      comment:
        'Packages are libraries the apps are built from; an app is a leaf. A package that imports an ' +
        'app (by path or by package name) inverts that and drags the whole process into the library.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'api-auth-db-below-services',
      comment:
        'auth/ (identity: key and session verification, caches) and db/ (SQL) are the bottom layers ' +
        'of the API; services/, routers/ and trpc/ build on them, never the other way round.',
      severity: 'error',
      from: { path: `${API}(auth|db)/`, pathNot: NOT_SHIPPED },
      to: { path: `${API}(services|routers|trpc)/` },
    },
    {
      name: 'api-services-not-transport',
      comment:
        'services/ are the use cases, independent of how they are reached; tRPC procedures and ' +
        'routers call services, services never call back into trpc/ or routers/.',
      severity: 'error',
      from: { path: `${API}services/`, pathNot: NOT_SHIPPED },
      to: { path: `${API}(trpc|routers)/` },
    },
    {
      name: 'api-services-not-schema',
      comment:
        'The SQL lives in db/ (stores and queries); services/ ask db/ for what they need instead of ' +
        'building queries on the table definitions in db/schema.ts.',
      severity: 'error',
      from: { path: `${API}services/`, pathNot: NOT_SHIPPED },
      to: { path: `${API}db/schema\\.ts$` },
    },
    {
      name: 'api-lib-is-leaf',
      comment:
        'lib/ is generic plumbing (clock, logger, limits, rate limiting) that any layer may use; it ' +
        'must not know about identity, use cases or transport.',
      severity: 'error',
      from: { path: `${API}lib/`, pathNot: NOT_SHIPPED },
      to: { path: `${API}(auth|services|routers|trpc)/` },
    },
    {
      name: 'api-routers-not-db',
      comment:
        'routers/ only map procedures to services; touching db/ from a router skips the service ' +
        'layer (and its authorization and audit).',
      severity: 'error',
      from: { path: `${API}routers/`, pathNot: NOT_SHIPPED },
      to: { path: `${API}db/` },
    },
    {
      name: 'server-uses-host-entry',
      comment:
        'apps/server is a host for the API: it may use what @keyhole/api exports for hosts ' +
        '(`@keyhole/api/host`) or for everyone (`@keyhole/api`); `@keyhole/api/internal/*` is for ' +
        'tests only, so the API can change its insides without breaking the process.',
      severity: 'error',
      from: { path: '^apps/server/src/', pathNot: NOT_SHIPPED },
      to: { path: '^packages/api/', pathNot: '^packages/api/src/(host|index)\\.ts$' },
    },
    {
      name: 'clients-use-api-root-entry',
      comment:
        'web, zapier and the client package talk to the API over HTTP; from @keyhole/api they may ' +
        'only take the router type from the root entry, never the host entry or internals.',
      severity: 'error',
      from: { path: '^(apps/web|apps/zapier|packages/client)/src/', pathNot: NOT_SHIPPED },
      to: { path: '^packages/api/', pathNot: '^packages/api/src/index\\.ts$' },
    },
    {
      name: 'clients-import-api-types-only',
      comment:
        'A value import of @keyhole/api from web, zapier or the client would bundle the server ' +
        '(database drivers, secrets handling) into a browser or Zapier build; only `import type`.',
      severity: 'error',
      from: { path: '^(apps/web|apps/zapier|packages/client)/src/', pathNot: NOT_SHIPPED },
      to: { path: '^packages/api/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle makes modules impossible to understand, test or load on their own and makes the ' +
        'evaluation order decide whether a binding is initialised; shipped code has none.',
      severity: 'error',
      from: { pathNot: NOT_SHIPPED },
      to: { circular: true, viaOnly: { pathNot: NOT_SHIPPED } },
    },
  ],
  options: {
    // Do not descend into third-party code; the rules are about ours.
    doNotFollow: { path: 'node_modules' },
    // Never cruise build output, and never lint the rule fixtures themselves (they violate on purpose).
    exclude: { path: ['(^|/)dist/', '(^|/)test/fixtures/'] },
    // See `import type`, so the type-only rule and cycles through types are visible.
    tsPreCompilationDeps: true,
    // Resolve `@keyhole/*` like Node and the bundlers do: through the workspace symlinks to the real
    // folder, honouring each package's `exports` map (`.`, `./host`, `./internal/*`).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.tsx', '.d.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'],
    },
    skipAnalysisNotInRules: true,
  },
};
