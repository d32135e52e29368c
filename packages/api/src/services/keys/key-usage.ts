import { KeyholeError } from '@keyhole/core';
import { type DayCounts, utcDay } from '../../auth/key-usage-recorder';
import { findActiveKeyId } from '../../db/keys/active-key';
import { selectDailyUsage } from '../../db/keys/usage';
import type { AppDeps } from '../../deps';
import type { Actor } from '../actor';
import { isUuid } from './lock-active-key';

const DAY_MS = 24 * 60 * 60 * 1000;

/** SPEC §5 `keys.usage`: one UTC day's calls made with the key, by outcome; `requests` is their sum. */
export interface UsageDay {
  date: string;
  requests: number;
  succeeded: number;
  clientErrors: number;
  rateLimited: number;
  serverErrors: number;
}

const toUsageDay = (date: string, c: DayCounts | undefined): UsageDay => {
  const requests = Number(c?.requests ?? 0);
  const clientErrors = Number(c?.clientErrors ?? 0);
  const rateLimited = Number(c?.rateLimited ?? 0);
  const serverErrors = Number(c?.serverErrors ?? 0);
  return {
    date,
    requests,
    succeeded: requests - clientErrors - rateLimited - serverErrors,
    clientErrors,
    rateLimited,
    serverErrors,
  };
};

/**
 * Calls per UTC day for the last `days` days (today included), oldest first, zeros included, by
 * outcome: what other processes wrote plus what this process has counted and not yet written.
 */
export async function getKeyUsage(
  deps: AppDeps,
  actor: Actor,
  input: { id: string; days?: number },
): Promise<{ days: UsageDay[] }> {
  const count = input.days ?? 14;
  const today = Date.parse(`${utcDay(deps.clock.now())}T00:00:00.000Z`);
  const dates = Array.from({ length: count }, (_, i) => utcDay(new Date(today - (count - 1 - i) * DAY_MS)));
  const keyId = isUuid(input.id) ? await findActiveKeyId(deps.db, actor.orgId, input.id) : undefined;
  if (!keyId) throw new KeyholeError('NOT_FOUND', 'No such API key in this organization.');

  const perDay = await deps.keyUsage.exclusive(async () => {
    const rows = await selectDailyUsage(deps.db, keyId, dates[0]!, dates.at(-1)!);
    const totals = new Map<string, DayCounts>(rows.map(({ day, ...counts }) => [day, { ...counts }]));
    for (const [day, pending] of deps.keyUsage.pendingFor(keyId).days) {
      const stored = totals.get(day);
      totals.set(
        day,
        stored
          ? {
              requests: Number(stored.requests) + pending.requests,
              clientErrors: Number(stored.clientErrors) + pending.clientErrors,
              rateLimited: Number(stored.rateLimited) + pending.rateLimited,
              serverErrors: Number(stored.serverErrors) + pending.serverErrors,
            }
          : { ...pending },
      );
    }
    return totals;
  });
  return { days: dates.map((date) => toUsageDay(date, perDay.get(date))) };
}
