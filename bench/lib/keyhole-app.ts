import { type App, createApp } from '@keyhole/api/internal/app';
import { loadConfig } from '@keyhole/api/internal/env';
import { inProcessActor } from '@keyhole/api/internal/services/actor';
import { createKey } from '@keyhole/api/internal/services/keys/create-key';
import type { Dataset } from './dataset';

/** Settings shared by the in-process app and the server processes of a run. */
export function benchEnv(url: string, secret: string, redisUrl?: string): Record<string, string> {
  return {
    DATABASE_URL: url,
    KEYHOLE_SECRET: secret,
    KEYHOLE_SEED: 'off',
    KEYHOLE_LOG_LEVEL: 'warn',
    // The bench must measure the API, not its rate limiter refusing: a budget no run reaches.
    KEYHOLE_RATE_LIMIT_PER_MINUTE: '1000000',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
}

export async function openApp(url: string, secret: string): Promise<App> {
  // No delivery worker here: webhook jobs are the server process's to send (bench/lib/webhooks.ts).
  return createApp(
    loadConfig({ ...benchEnv(url, secret), NODE_ENV: 'production', KEYHOLE_WEBHOOK_WORKERS: '0' }),
  );
}

export interface BenchKeys {
  orgLimited: string;
  userLimitedHeavy: string;
}

/** An org_limited key and a user_limited key of the heavy user, made through the real service. */
export async function createBenchKeys(app: App, d: Dataset): Promise<BenchKeys> {
  // Audited as the admin (its email unknown here), with no request to re-check.
  const admin = inProcessActor(d.orgId, { id: d.adminId, email: null });
  const org = await createKey(app.deps, admin, { name: 'bench org_limited', scope: 'org_limited' });
  const user = await createKey(app.deps, admin, {
    name: 'bench user_limited (heavy user)',
    scope: 'user_limited',
    issuedToUserId: d.heavyUserId,
  });
  return { orgLimited: org.secret, userLimitedHeavy: user.secret };
}
