import type { App } from '@keyhole/api/internal/app';
import { authenticateKey } from '@keyhole/api/internal/auth/authenticate-key';
import { round } from './processes';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Key verification in process: the hit path (parse + checksum + HMAC + cache hit) in ns/op, and the
 * cold path (cache emptied before each call, so a database look-up) as p50/p99.
 */
export async function keyVerification(app: App, keyString: string, iterations: number) {
  const header = `Bearer ${keyString}`;
  for (let i = 0; i < 200; i++) {
    const verdict = await authenticateKey(app.deps, header, '127.0.0.1');
    if (!verdict.ok) throw verdict.error;
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await authenticateKey(app.deps, header, '127.0.0.1');
  const hitNs = Number(process.hrtime.bigint() - t0) / iterations;

  const cold: number[] = [];
  const coldRuns = Math.max(100, Math.floor(iterations / 40));
  for (let i = 0; i < coldRuns; i++) {
    app.deps.keyCache.clear();
    const s = process.hrtime.bigint();
    await authenticateKey(app.deps, header, '127.0.0.1');
    cold.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  cold.sort((a, b) => a - b);
  return {
    hitPathNsPerOp: round(hitNs, 0),
    hitPathUsPerOp: round(hitNs / 1000, 2),
    hitIterations: iterations,
    coldPathP50Ms: round(percentile(cold, 50), 3),
    coldPathP99Ms: round(percentile(cold, 99), 3),
    coldIterations: coldRuns,
  };
}
