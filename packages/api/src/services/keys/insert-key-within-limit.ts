import { checkKeyLimit, unwrapPolicy } from '@keyhole/core';
import type { Database } from '../../db';
import type { ApiKeyRow } from '../../db/keys/active-key';
import { countUnrevokedKeys, insertKeyRow, type NewApiKeyRow } from '../../db/keys/insert-key';

/**
 * Inserts a key unless the org already holds 10 that are not revoked (legacy and expired count).
 * Call it in a unit of work that holds the org lock (`audited(…, { lockOrg: true })`): concurrent
 * creates and imports for one org then take turns and the count each one sees includes the others'
 * inserts, so the limit holds under any concurrency.
 */
export async function insertKeyWithinLimit(tx: Database, values: NewApiKeyRow): Promise<ApiKeyRow> {
  unwrapPolicy(checkKeyLimit(await countUnrevokedKeys(tx, values.orgId)));
  return insertKeyRow(tx, values);
}
