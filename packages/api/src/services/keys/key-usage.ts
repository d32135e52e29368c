import { KeyholeError } from '@keyhole/core';
import { utcDay } from '../../auth/key-usage-recorder';
import { findActiveKeyId } from '../../db/keys/active-key';
import { selectDailyUsage } from '../../db/keys/usage';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { isUuid } from './lock-active-key';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Calls per UTC day for the last `days` days (today included), oldest first, zeros included:
 * what other processes wrote plus what this process has counted and not yet written.
 */
export async function getKeyUsage(
  deps: AppDeps,
  actor: Actor,
  input: { id: string; days?: number },
): Promise<{ days: { date: string; requests: number }[] }> {
  const count = input.days ?? 14;
  const today = Date.parse(`${utcDay(deps.clock.now())}T00:00:00.000Z`);
  const dates = Array.from({ length: count }, (_, i) => utcDay(new Date(today - (count - 1 - i) * DAY_MS)));
  const keyId = isUuid(input.id) ? await findActiveKeyId(deps.db, actor.orgId, input.id) : undefined;
  if (!keyId) throw new KeyholeError('NOT_FOUND', 'No such API key in this organization.');

  const perDay = await deps.keyUsage.exclusive(async () => {
    const rows = await selectDailyUsage(deps.db, keyId, dates[0]!, dates.at(-1)!);
    const totals = new Map(rows.map((r) => [r.day, Number(r.requests)]));
    for (const [day, calls] of deps.keyUsage.pendingFor(keyId).days) {
      totals.set(day, (totals.get(day) ?? 0) + calls);
    }
    return totals;
  });
  return { days: dates.map((date) => ({ date, requests: perDay.get(date) ?? 0 })) };
}
