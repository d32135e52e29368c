import type { CreatableScope } from '@keyhole/core';
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
    scope: CreatableScope;
    issuedToUserId?: string;
    name?: string;
    expiresAt?: Date | string;
    rateLimitPerMinute?: number;
  },
): Promise<CreatedTestKey> {
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
