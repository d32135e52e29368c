import autocannon from 'autocannon';
import { round } from './processes';

export interface Target {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

export interface HttpFigures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function cannon(t: Target, seconds: number, connections: number): Promise<HttpFigures> {
  const r = await autocannon({
    url: t.url,
    headers: t.headers,
    connections,
    duration: seconds,
    pipelining: 1,
  });
  return {
    reqPerSec: round(r.requests.average, 0),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/**
 * Runs the targets side by side, alternating, `rounds` times, so drift on the machine (other load,
 * thermal, caches) hits each target alike; reports the mean of the rounds' figures per target.
 */
export async function alternate(targets: Target[], rounds: number, seconds: number, connections: number) {
  const all = new Map<string, HttpFigures[]>();
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      const f = await cannon(t, seconds, connections);
      process.stderr.write(
        `  round ${r + 1} ${t.name}: ${f.reqPerSec} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms\n`,
      );
      all.set(t.name, [...(all.get(t.name) ?? []), f]);
    }
  }
  const out: Record<string, HttpFigures & { rounds: number[] }> = {};
  for (const [name, list] of all) {
    const mean = (k: keyof HttpFigures) => round(list.reduce((a, f) => a + f[k], 0) / list.length, 1);
    out[name] = {
      reqPerSec: mean('reqPerSec'),
      p50Ms: mean('p50Ms'),
      p99Ms: mean('p99Ms'),
      non2xx: list.reduce((a, f) => a + f.non2xx, 0),
      errors: list.reduce((a, f) => a + f.errors, 0),
      rounds: list.map((f) => f.reqPerSec),
    };
  }
  return out;
}
