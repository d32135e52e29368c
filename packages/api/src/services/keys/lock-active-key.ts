import { checkMutable, KeyholeError, unwrapPolicy } from '@keyhole/core';
import type { Database } from '../../db';
import { type ApiKeyRow, selectActiveKeyForUpdate } from '../../db/keys/active-key';

import { isUuid } from '../../lib/uuid';

export { isUuid };

/**
 * The org's key with this id, locked for the rest of the transaction so concurrent changes to it
 * queue. Revoked keys, other orgs' keys and unknown ids are all NOT_FOUND.
 */
export async function lockActiveKey(tx: Database, orgId: string, id: string): Promise<ApiKeyRow> {
  if (isUuid(id)) {
    const row = await selectActiveKeyForUpdate(tx, orgId, id);
    if (row) return row;
  }
  throw new KeyholeError('NOT_FOUND', 'No such API key in this organization.');
}

/** The same, for a change to the key itself: legacy keys are read-only (core's `checkMutable`). */
export async function lockMutableKey(tx: Database, orgId: string, id: string): Promise<ApiKeyRow> {
  const row = await lockActiveKey(tx, orgId, id);
  unwrapPolicy(checkMutable(row.scope));
  return row;
}
