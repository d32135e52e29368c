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

/**
 * One forbidden dependency: `name`, why it is forbidden (`comment`), and the `from` → `to` it matches.
 * Every rule is an error.
 */
const rule = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    rule(
      'core-is-pure',
      'packages/core holds the pure rules every other part shares; it must not reach into another ' +
        'workspace package or an app, or the sharing turns into a tangle.',
      { path: '^packages/core/src/', pathNot: NOT_SHIPPED },
      { path: '^(packages|apps|bench|scripts)/', pathNot: '^packages/core/' },
    ),
    rule(
      'core-no-node-builtins',
      'packages/core runs in the browser (apps/web) as well as in Node; it has no Node built-in ' +
        'today and must not gain one.',
      { path: '^packages/core/src/', pathNot: NOT_SHIPPED },
      { dependencyTypes: ['core'] },
    ),
    rule(
      'no-package-imports-app',
      'Packages are libraries the apps are built from; an app is a leaf. A package that imports an ' +
        'app (by path or by package name) inverts that and drags the whole process into the library.',
      { path: '^packages/' },
      { path: '^apps/' },
    ),
    rule(
      'api-auth-db-below-services',
      'auth/ (identity: key and session verification, caches) and db/ (SQL) are the bottom layers ' +
        'of the API; services/, routers/ and trpc/ build on them, never the other way round.',
      { path: `${API}(auth|db)/`, pathNot: NOT_SHIPPED },
      { path: `${API}(services|routers|trpc)/` },
    ),
    rule(
      'api-services-not-transport',
      'services/ are the use cases, independent of how they are reached; tRPC procedures and ' +
        'routers call services, services never call back into trpc/ or routers/.',
      { path: `${API}services/`, pathNot: NOT_SHIPPED },
      { path: `${API}(trpc|routers)/` },
    ),
    rule(
      'api-services-not-schema',
      'The SQL lives in db/ (stores and queries); services/ ask db/ for what they need instead of ' +
        'building queries on the table definitions in db/schema.ts.',
      { path: `${API}services/`, pathNot: NOT_SHIPPED },
      { path: `${API}db/schema\\.ts$` },
    ),
    rule(
      'api-lib-is-leaf',
      'lib/ is generic plumbing (clock, logger, limits, rate limiting) that any layer may use; it ' +
        'must not know about identity, use cases or transport.',
      { path: `${API}lib/`, pathNot: NOT_SHIPPED },
      { path: `${API}(auth|services|routers|trpc)/` },
    ),
    rule(
      'api-routers-not-db',
      'routers/ only map procedures to services; touching db/ from a router skips the service ' +
        'layer (and its authorization and audit).',
      { path: `${API}routers/`, pathNot: NOT_SHIPPED },
      { path: `${API}db/` },
    ),
    rule(
      'api-rest-describes-routers',
      'rest/ describes the REST face as data (routes, schemas, the OpenAPI document) over the ' +
        "routers; every call goes through a route's procedure, so rest/ never reaches past the " +
        'routers into services/, auth/, db/ or trpc/.',
      { path: `${API}rest/`, pathNot: NOT_SHIPPED },
      { path: `${API}(services|auth|db|trpc)/` },
    ),
    rule(
      'server-uses-host-entry',
      'apps/server is a host for the API: it may use what @keyhole/api exports for hosts ' +
        '(`@keyhole/api/host`) or for everyone (`@keyhole/api`); `@keyhole/api/internal/*` is for ' +
        'tests only, so the API can change its insides without breaking the process.',
      { path: '^apps/server/src/', pathNot: NOT_SHIPPED },
      { path: '^packages/api/', pathNot: '^packages/api/src/(host|index)\\.ts$' },
    ),
    rule(
      'clients-use-api-root-entry',
      'web, zapier and the client package talk to the API over HTTP; from @keyhole/api they may ' +
        'only take the router type from the root entry, never the host entry or internals.',
      { path: '^(apps/web|apps/zapier|packages/client)/src/', pathNot: NOT_SHIPPED },
      { path: '^packages/api/', pathNot: '^packages/api/src/index\\.ts$' },
    ),
    rule(
      'clients-import-api-types-only',
      'A value import of @keyhole/api from web, zapier or the client would bundle the server ' +
        '(database drivers, secrets handling) into a browser or Zapier build; only `import type`.',
      { path: '^(apps/web|apps/zapier|packages/client)/src/', pathNot: NOT_SHIPPED },
      { path: '^packages/api/', dependencyTypesNot: ['type-only'] },
    ),
    rule(
      'no-circular',
      'A cycle makes modules impossible to understand, test or load on their own and makes the ' +
        'evaluation order decide whether a binding is initialised; shipped code has none.',
      { pathNot: NOT_SHIPPED },
      { circular: true, viaOnly: { pathNot: NOT_SHIPPED } },
    ),
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
