import { KeyholeError } from '@keyhole/core';
import type { SubscriptionRow } from '../../db/webhooks/subscriptions';
import type { AuditTarget } from '../audit/record-audit';

/**
 * The audit names a subscription by its URL's origin only: hook URLs often carry a token in their
 * path (Zapier's do), and the audit log is read by every admin for years.
 */
export function webhookTarget(s: Pick<SubscriptionRow, 'id' | 'url'>): AuditTarget {
  let name: string | null = null;
  try {
    name = new URL(s.url).origin;
  } catch {
    name = null;
  }
  return { type: 'webhook', id: s.id, name };
}

export const webhookNotFound = () => new KeyholeError('NOT_FOUND', 'No such webhook subscription.');
