import { count } from 'drizzle-orm';
import type { Database } from '../../db/create-database';
import { orgs } from '../../db/schema';
import type { AppDeps } from '../../deps';
import { DemoAlreadySeededError, type DemoSeed, seedDemo } from './demo-seed';

/** True when the database has no org yet: the first start of a fresh install. */
export async function isDatabaseEmpty(db: Database): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(orgs);
  return Number(row?.n ?? 0) === 0;
}

/**
 * The first-start seed of SPEC §6: on an empty database (and unless KEYHOLE_SEED=off) seed the
 * demo org. Returns what it made, or null when it had nothing to do.
 */
export async function seedDemoOnFirstStart(deps: AppDeps): Promise<DemoSeed | null> {
  if (!deps.config.seed || !(await isDatabaseEmpty(deps.db))) return null;
  try {
    return await seedDemo(deps);
  } catch (err) {
    if (err instanceof DemoAlreadySeededError) return null;
    throw err;
  }
}
