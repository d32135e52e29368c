import type { Context } from './context';

/**
 * Runs a read whose answer can be large (a meeting page, a meeting, a transcript) through the
 * process's read gate with `weight` = the meetings it may load, and one at a time within its request,
 * so a batch of 25 pages neither floods the gate nor holds 25 pages in memory at once. A refusal
 * (`server_busy`) carries `Retry-After`. The request's signal frees its place in the queue when the client leaves.
 */
export async function largeRead<T>(ctx: Context, weight: number, run: () => Promise<T>): Promise<T> {
  const previous = ctx.largeReads ?? Promise.resolve();
  let finished!: () => void;
  const mine = new Promise<void>((resolve) => {
    finished = resolve;
  });
  ctx.largeReads = previous.then(() => mine);
  try {
    await previous;
    return await ctx.deps.readGate.run(weight, ctx.signal, run);
  } finally {
    finished();
  }
}
