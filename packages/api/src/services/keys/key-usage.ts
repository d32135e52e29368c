import { KeyholeError } from '@keyhole/core';
import { and, between, eq, isNull } from 'drizzle-orm';
import { apiKeys, keyUsageDaily } from '../../db/schema';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { utcDay } from './key-usage-recorder';
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
  const [key] = isUuid(input.id)
    ? await deps.db
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(and(eq(apiKeys.id, input.id), eq(apiKeys.orgId, actor.orgId), isNull(apiKeys.revokedAt)))
    : [];
  if (!key) throw new KeyholeError('NOT_FOUND', 'No such API key in this organization.');

  const perDay = await deps.keyUsage.exclusive(async () => {
    const rows = await deps.db
      .select({ day: keyUsageDaily.day, requests: keyUsageDaily.requests })
      .from(keyUsageDaily)
      .where(and(eq(keyUsageDaily.keyId, key.id), between(keyUsageDaily.day, dates[0]!, dates.at(-1)!)));
    const totals = new Map(rows.map((r) => [r.day, Number(r.requests)]));
    for (const [day, calls] of deps.keyUsage.pendingFor(key.id).days) {
      totals.set(day, (totals.get(day) ?? 0) + calls);
    }
    return totals;
  });
  return { days: dates.map((date) => ({ date, requests: perDay.get(date) ?? 0 })) };
}
