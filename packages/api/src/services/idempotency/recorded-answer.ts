import { joinKeyString, KeyholeError, splitAnyKeyString } from '@keyhole/core';
import { decryptKeySecret } from '../../auth/key-secrets';
import type { IdempotencyRecord } from '../../db/idempotency/records';
import { selectKeySecretByClientKey } from '../../db/keys/secret-by-client-key';
import type { AppDeps } from '../../deps';
import { hmacSha256, type Keyring } from '../../lib/keyring';

/** How an answer is kept: never with a key string in it (SPEC §3: plaintext secrets are never stored). */
export interface StoredAnswer {
  answer: string;
  secretClientKey: string | null;
  secretFingerprint: Buffer | null;
}

function fingerprint(keyring: Keyring, keyString: string): Buffer {
  return hmacSha256(keyring.idempotencyHmac, `secret\n${keyString}`);
}

/** The key string in an answer's `secret` field (keys.create, keys.regenerate, keys.reveal), if any. */
function secretOf(answer: unknown): string | null {
  if (answer === null || typeof answer !== 'object' || !('secret' in answer)) return null;
  const secret = (answer as { secret: unknown }).secret;
  return typeof secret === 'string' ? secret : null;
}

/**
 * The answer as the client got it (the same JSON tRPC writes: no transformer), with a key string
 * replaced by null in place, so a replay that puts it back yields the very same text.
 */
export function storeAnswer(keyring: Keyring, answer: unknown): StoredAnswer {
  const keyString = secretOf(answer);
  if (keyString === null) {
    return { answer: JSON.stringify(answer ?? null), secretClientKey: null, secretFingerprint: null };
  }
  const parsed = splitAnyKeyString(keyString);
  if (!parsed) throw new Error('an answer holds a secret that is not a key string');
  return {
    answer: JSON.stringify({ ...(answer as object), secret: null }),
    secretClientKey: parsed.clientKey,
    secretFingerprint: fingerprint(keyring, keyString),
  };
}

export function staleKeyError(): KeyholeError {
  return new KeyholeError(
    'CONFLICT',
    'Idempotency-Key: the key this request returned has since been regenerated or revoked, so its answer cannot be repeated. Use a new Idempotency-Key.',
    'idempotency_key_stale',
  );
}

/**
 * The recorded answer again. A key string comes back from the encrypted store, and only while it is
 * still the key's current secret: a key regenerated or revoked since is `idempotency_key_stale`.
 */
export async function replayAnswer(deps: AppDeps, record: IdempotencyRecord): Promise<unknown> {
  const answer: unknown = JSON.parse(record.answer);
  if (record.secretClientKey === null || record.secretFingerprint === null) return answer;
  const row = await selectKeySecretByClientKey(deps.db, record.secretClientKey);
  const secret =
    row && row.revokedAt === null && row.ciphertext
      ? decryptKeySecret(deps.keyring, record.secretClientKey, row.ciphertext)
      : null;
  if (secret === null) throw staleKeyError();
  const keyString = joinKeyString(record.secretClientKey, secret);
  if (!fingerprint(deps.keyring, keyString).equals(record.secretFingerprint)) throw staleKeyError();
  (answer as { secret: string }).secret = keyString;
  return answer;
}
