import { WEBHOOK_LIMITS } from '@keyhole/core';
import { deleteDeliveriesBefore } from '../../db/webhooks/deliveries';
import type { AppDeps } from '../../deps';
import { deliverOnce } from './deliver';

const RETENTION_SWEEP_MS = 60 * 60 * 1000;

/** SPEC §11: deliveries (and their events) are kept 30 days. Returns how many deliveries went. */
export async function deleteExpiredDeliveries(deps: AppDeps): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - WEBHOOK_LIMITS.keepDeliveriesMs);
  let total = 0;
  for (
    let n = await deleteDeliveriesBefore(deps.db, before);
    n > 0;
    n = await deleteDeliveriesBefore(deps.db, before)
  ) {
    total += n;
  }
  return total;
}

/**
 * This process's share of the deliveries: pg-boss workers on the shared queue, and an hourly sweep of
 * deliveries older than 30 days. Returns the stop function (jobs in hand finish first).
 */
export async function startDeliveryWorker(
  deps: AppDeps,
  { concurrency }: { concurrency: number },
): Promise<() => Promise<void>> {
  await deps.jobs.start();
  if (concurrency > 0) {
    await deps.jobs.work(
      async ({ deliveryId }) => {
        const outcome = await deliverOnce(deps, deliveryId);
        deps.logger.debug({ deliveryId, outcome }, 'webhook delivery attempt');
      },
      { concurrency, batchSize: 5 },
    );
  }
  const sweep = async () => {
    try {
      await deleteExpiredDeliveries(deps);
    } catch (err) {
      deps.logger.warn({ err }, 'could not delete old webhook deliveries; will try again');
    }
  };
  const timer = setInterval(() => void sweep(), RETENTION_SWEEP_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await deps.jobs.stop();
  };
}
