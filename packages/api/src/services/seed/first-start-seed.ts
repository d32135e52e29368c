import type { Database } from '../../db';
import { countOrgs } from '../../db/orgs/count-orgs';
import type { AppDeps } from '../../deps';
import type { DemoSeed } from './demo-org';
import { DemoAlreadySeededError, seedDemo } from './demo-seed';

/** True when the database has no org yet: the first start of a fresh install. */
export async function isDatabaseEmpty(db: Database): Promise<boolean> {
  return (await countOrgs(db)) === 0;
}

/**
 * Whether KEYHOLE_SEED lets the first start seed this database (SPEC §6). The demo org has a public
 * password and five live keys, so `auto` (the default) seeds only an embedded database outside
 * production — a developer's `pnpm start` — never PostgreSQL nor a production server; `demo` seeds
 * any empty database; `off` none.
 */
export function firstStartSeedAllowed(deps: Pick<AppDeps, 'config' | 'database'>): boolean {
  switch (deps.config.seed) {
    case 'off':
      return false;
    case 'demo':
      return true;
    case 'auto':
      return deps.database.kind === 'pglite' && deps.config.nodeEnv !== 'production';
  }
}

/**
 * The first-start seed of SPEC §6: on an empty database, when `firstStartSeedAllowed`, seed the
 * demo org. Returns what it made, or null when it had nothing to do.
 */
export async function seedDemoOnFirstStart(deps: AppDeps): Promise<DemoSeed | null> {
  if (!firstStartSeedAllowed(deps) || !(await isDatabaseEmpty(deps.db))) return null;
  try {
    return await seedDemo(deps);
  } catch (err) {
    if (err instanceof DemoAlreadySeededError) return null;
    throw err;
  }
}
