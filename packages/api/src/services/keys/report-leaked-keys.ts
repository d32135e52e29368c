import { createHash } from 'node:crypto';
import { classifyReportedToken, type LeakedKeyAction, type LeakLabel } from '@keyhole/core';
import { hashesMatch, hashKeySecret } from '../../auth/key-secrets';
import type { Database } from '../../db';
import type { ApiKeyRow } from '../../db/keys/active-key';
import { selectActiveKeyForUpdate } from '../../db/keys/active-key';
import {
  endPreviousSecret,
  findKeyIdByClientKey,
  findKeysBySecretHash,
  flagKeyLeaked,
} from '../../db/keys/leaked';
import { selectLeakedKeyAction } from '../../db/orgs/settings';
import type { AppDeps } from '../../deps';
import { type Actor, systemActor } from '../actor';
import type { RequestOrigin } from '../audit/record-audit';
import { type AuditWriter, audited, type UnitOfWork } from '../audited';
import { disableWebhooksOfLeakedKey } from '../webhooks/disable-for-leak';
import { keyTarget } from './key-target';
import { revokeLockedKey } from './revoke-locked-key';

/** One token of a secret scanner's report (GitHub's partner payload), already checked for shape. */
export interface LeakReport {
  token: string;
  type: string;
  url: string | null;
  source: string | null;
}

/** GitHub's answer format, one per token in input order. */
export interface LeakAnswer {
  token_hash: string;
  token_type: string;
  label: LeakLabel;
}

/**
 * SPEC §12: each token of a verified report. A token refused by its checksum (or shape) is a
 * `false_positive` with no database read; otherwise its secret's HMAC finds the live key in one
 * indexed look-up (a full key string by its client key, as verification does, so imported legacy
 * strings match exactly). A live key is a `true_positive`, and in its own audited unit (actor
 * `system`) is revoked or flagged by its org's `leakedKeyAction`. A token repeated in one report gets
 * the first answer, so a report never revokes and then contradicts itself.
 */
export async function reportLeakedKeys(
  deps: AppDeps,
  origin: RequestOrigin,
  reports: readonly LeakReport[],
): Promise<LeakAnswer[]> {
  const labels = new Map<string, LeakLabel>();
  const answers: LeakAnswer[] = [];
  for (const report of reports) {
    let label = labels.get(report.token);
    if (label === undefined) {
      label = await labelToken(deps, origin, report);
      labels.set(report.token, label);
    }
    answers.push({
      token_hash: createHash('sha256').update(report.token, 'utf8').digest('hex'),
      token_type: report.type,
      label,
    });
  }
  return answers;
}

async function labelToken(deps: AppDeps, origin: RequestOrigin, report: LeakReport): Promise<LeakLabel> {
  const token = classifyReportedToken(report.token);
  if (token.kind === 'refused') return 'false_positive';
  const hash = hashKeySecret(deps.keyring, token.secret);
  const candidates =
    token.kind === 'key'
      ? [await findKeyIdByClientKey(deps.db, token.clientKey)].filter((c) => c !== undefined)
      : await findKeysBySecretHash(deps.db, hash, deps.clock.now());
  let label: LeakLabel = 'false_positive';
  for (const candidate of candidates) {
    const actor: Actor = { ...systemActor(candidate.orgId), origin };
    const found = await audited(deps, actor, (tx, audit, unit) =>
      handleLeak(tx, audit, unit, candidate, hash, report),
    );
    if (found) label = 'true_positive';
  }
  return label;
}

/** Which of the key's secrets the token is, re-checked under the row lock (it may have changed since). */
function matchedSecret(row: ApiKeyRow, hash: Buffer, now: Date): 'current' | 'previous' | null {
  if (hashesMatch(row.secretHash, hash)) return 'current';
  if (
    row.previousSecretValidUntil !== null &&
    row.previousSecretValidUntil > now &&
    hashesMatch(row.previousSecretHash, hash)
  ) {
    return 'previous';
  }
  return null;
}

async function handleLeak(
  tx: Database,
  audit: AuditWriter,
  unit: UnitOfWork<null>,
  candidate: { id: string; orgId: string },
  hash: Buffer,
  report: LeakReport,
): Promise<boolean> {
  const { now } = unit;
  const row = await selectActiveKeyForUpdate(tx, candidate.orgId, candidate.id);
  // Revoked meanwhile, or regenerated: the token is no live secret any more (nothing written).
  const which = row ? matchedSecret(row, hash, now) : null;
  if (!row || !which) return false;
  const leak = { url: report.url, source: report.source, which, clientKey: row.clientKey };
  if (which === 'previous') {
    // Only the overlap ends: the current secret was never published and keeps working.
    await endPreviousSecret(tx, row.id, now);
    const webhooksDisabled = await disableWebhooksOfLeakedKey(tx, audit, row.id, now);
    await audit('key.leaked', keyTarget(row), { ...leak, action: 'overlap_ended', webhooksDisabled });
    unit.publish({ kind: 'key', id: row.id });
    return true;
  }
  const action: LeakedKeyAction = (await selectLeakedKeyAction(tx, row.orgId)) ?? 'revoke';
  if (action === 'revoke') {
    // Kept on the tombstone: `keys.list`'s `revokedForLeak` says where it was found.
    await flagKeyLeaked(tx, row.id, { at: row.leakedAt ?? now, url: report.url, source: report.source });
    const { webhooks } = await revokeLockedKey(tx, audit, unit, row, 'leaked');
    await audit('key.leaked', keyTarget(row), { ...leak, action: 'revoked', webhooksDisabled: webhooks });
    return true;
  }
  // notify: a repeat of a report already flagged writes nothing, unless it was found somewhere new.
  if (row.leakedAt !== null && row.leakedUrl === report.url) return true;
  await flagKeyLeaked(tx, row.id, { at: row.leakedAt ?? now, url: report.url, source: report.source });
  const webhooksDisabled = await disableWebhooksOfLeakedKey(tx, audit, row.id, now);
  await audit('key.leaked', keyTarget(row), { ...leak, action: 'flagged', webhooksDisabled });
  unit.publish({ kind: 'key', id: row.id });
  return true;
}
