import {
  generateKey,
  joinKeyString,
  KeyholeError,
  normalizeKeyName,
  passesKeyPrecheck,
  splitAnyKeyString,
  unwrapPolicy,
} from '@keyhole/core';
import { storeKeySecret } from '../../auth/key-secrets';
import { isClientKeyTaken } from '../../db/keys/insert-key';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { insertKeyWithinLimit } from './insert-key-within-limit';
import { keyTarget } from './key-target';
import { isUuid } from './lock-active-key';
import { type KeyView, selectKeyViews } from './views';

/**
 * A legacy key for an org: minted, or an existing key string brought over so that integrations keep
 * working. Imported strings keep their own shape (`client:secret`, characters `[A-Za-z0-9_.-]`) and
 * so skip the checksum pre-check, unless they carry Keyhole's prefixes, which promise a checksum.
 */
export async function importLegacyKey(
  deps: AppDeps,
  actor: Actor,
  input: { name: string; keyString?: string },
  write?: IdempotentWrite,
): Promise<{ key: KeyView; secret: string }> {
  const now = deps.clock.now();
  const name = unwrapPolicy(normalizeKeyName(input.name));
  let parts: { clientKey: string; secret: string };
  if (input.keyString === undefined) {
    parts = generateKey();
  } else {
    const parsed = splitAnyKeyString(input.keyString.trim());
    if (!parsed) {
      throw new KeyholeError(
        'BAD_REQUEST',
        'key must look like CLIENT_KEY:SECRET, both parts made of letters, digits, "_", "-" and "." (at most 512 characters)',
      );
    }
    if (!passesKeyPrecheck(parsed.clientKey, parsed.secret)) {
      throw new KeyholeError(
        'BAD_REQUEST',
        'key carries Keyhole prefixes (kh_/khs_) but is not a whole Keyhole key with a valid checksum',
      );
    }
    parts = parsed;
  }
  if (!isUuid(actor.orgId)) throw new KeyholeError('NOT_FOUND', 'No such organization.');
  // Before the org lock, as a plain read (the unique index still decides under a race).
  if (await isClientKeyTaken(deps.db, parts.clientKey)) {
    throw new KeyholeError('CONFLICT', 'A key with this client key already exists (revoked keys included).');
  }

  return audited(
    deps,
    actor,
    async (tx, audit) => {
      const row = await insertKeyWithinLimit(tx, {
        orgId: actor.orgId,
        name,
        scope: 'legacy',
        issuedToUserId: null,
        createdByUserId: actor.user?.id ?? null,
        clientKey: parts.clientKey,
        ...storeKeySecret(deps.keyring, parts.clientKey, parts.secret),
        createdAt: now,
        updatedAt: now,
      });
      await audit('key.legacy_imported', keyTarget(row), {
        clientKey: parts.clientKey,
        minted: input.keyString === undefined,
      });
      const [key] = await selectKeyViews(tx, actor.orgId, { id: row.id });
      return { key: key!, secret: joinKeyString(parts.clientKey, parts.secret) };
    },
    { write, lockOrg: true, now },
  );
}
