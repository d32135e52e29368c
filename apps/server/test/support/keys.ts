import { users } from '@keyhole/api/internal/db/schema';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { importLegacyKey } from '@keyhole/api/internal/services/keys/import-legacy-key';
import type { Scope } from '@keyhole/core';
import { eq } from 'drizzle-orm';
import { sessionRequest } from './sessions';
import type { TestApp } from './test-app';

export interface CreatedTestKey {
  id: string;
  /** The whole `CLIENT_KEY:CLIENT_SECRET`. */
  keyString: string;
  clientKey: string;
}

/**
 * A key made through the real `keys.create` procedure, signed in as `adminUserId` (an active admin of
 * the org the key is for). User scopes need `issuedToUserId`.
 */
export async function createKeyFor(
  app: TestApp,
  opts: {
    adminUserId: string;
    /** `legacy` keys cannot be created through the API; they are minted as `keyhole legacy-import` does. */
    scope: Scope;
    issuedToUserId?: string;
    name?: string;
    expiresAt?: Date | string;
    rateLimitPerMinute?: number;
  },
): Promise<CreatedTestKey> {
  if (opts.scope === 'legacy') {
    const [admin] = await app.deps.db
      .select({ orgId: users.orgId })
      .from(users)
      .where(eq(users.id, opts.adminUserId));
    const { key, secret } = await importLegacyKey(app.deps, systemActor(admin!.orgId), {
      name: opts.name ?? 'Test legacy key',
    });
    return { id: key.id, keyString: secret, clientKey: key.clientKey };
  }
  const session = await sessionRequest(app, opts.adminUserId);
  const { key, secret } = await app.caller(session).keys.create({
    name: opts.name ?? `Test ${opts.scope} key`,
    scope: opts.scope,
    ...(opts.issuedToUserId === undefined ? {} : { issuedToUserId: opts.issuedToUserId }),
    ...(opts.expiresAt === undefined ? {} : { expiresAt: new Date(opts.expiresAt).toISOString() }),
    ...(opts.rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute: opts.rateLimitPerMinute }),
  });
  return { id: key.id, keyString: secret, clientKey: key.clientKey };
}

/** Request details that authenticate with the key, for `app.caller(...)`. */
export function keyRequest(keyString: string): { authorization: string } {
  return { authorization: `Bearer ${keyString}` };
}
