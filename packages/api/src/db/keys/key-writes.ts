import { eq } from 'drizzle-orm';
import type { Database } from '../create-database';
import { apiKeys } from '../schema';
import type { ApiKeyRow } from './active-key';

/** Gives the key a new label. */
export async function renameKeyRow(tx: Database, id: string, name: string, now: Date): Promise<void> {
  await tx.update(apiKeys).set({ name, updatedAt: now }).where(eq(apiKeys.id, id));
}

export interface KeySecretChange {
  secretHash: NonNullable<ApiKeyRow['secretHash']>;
  secretCiphertext: NonNullable<ApiKeyRow['secretCiphertext']>;
  /** The replaced secret's hash while it keeps working, else null. */
  previousSecretHash: ApiKeyRow['previousSecretHash'];
  previousSecretValidUntil: ApiKeyRow['previousSecretValidUntil'];
  updatedAt: Date;
}

/** Stores a new secret for the key (and the old one's overlap, if any). */
export async function replaceKeySecret(tx: Database, id: string, change: KeySecretChange): Promise<void> {
  await tx
    .update(apiKeys)
    .set({
      secretHash: change.secretHash,
      secretCiphertext: change.secretCiphertext,
      previousSecretHash: change.previousSecretHash,
      previousSecretValidUntil: change.previousSecretValidUntil,
      // A new secret is not the one that was published: the leak warning ends with it (SPEC §12).
      leakedAt: null,
      leakedUrl: null,
      leakedSource: null,
      updatedAt: change.updatedAt,
    })
    .where(eq(apiKeys.id, id));
}

/**
 * Marks the key revoked and wipes its secret material; the row stays as a tombstone. `forLeak`: the
 * revoke is a leak report's (SPEC §12), listed in `keys.list`'s `revokedForLeak` for 30 days.
 */
export async function revokeKeyRow(tx: Database, id: string, now: Date, forLeak = false): Promise<void> {
  await tx
    .update(apiKeys)
    .set({
      revokedAt: now,
      revokedForLeak: forLeak,
      secretHash: null,
      secretCiphertext: null,
      previousSecretHash: null,
      previousSecretValidUntil: null,
      updatedAt: now,
    })
    .where(eq(apiKeys.id, id));
}
