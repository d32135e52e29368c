import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { apiKeys } from '../schema';

type ApiKeyRow = typeof apiKeys.$inferSelect;

/** The stored (encrypted) secret and revocation time of the key with this client key; undefined if none. */
export async function selectKeySecretByClientKey(
  db: Database,
  clientKey: string,
): Promise<{ ciphertext: ApiKeyRow['secretCiphertext']; revokedAt: ApiKeyRow['revokedAt'] } | undefined> {
  const [row] = await db
    .select({ ciphertext: apiKeys.secretCiphertext, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.clientKey, clientKey));
  return row;
}
