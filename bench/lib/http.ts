import autocannon from 'autocannon';
import { cpuSeconds, round } from './processes';

export interface Target {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** The process answering it: its CPU time over the round, per request, is reported. */
  pid: number;
}

export interface HttpFigures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU time (user + system) the answering process spent per request, in µs. */
  cpuUsPerReq: number;
}

async function cannon(t: Target, seconds: number, connections: number): Promise<HttpFigures> {
  const cpuBefore = cpuSeconds(t.pid);
  const r = await autocannon({
    url: t.url,
    headers: t.headers,
    connections,
    duration: seconds,
    pipelining: 1,
  });
  const cpu = cpuSeconds(t.pid) - cpuBefore;
  return {
    cpuUsPerReq: r.requests.total > 0 ? round((cpu * 1e6) / r.requests.total, 0) : 0,
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
export async function alternate(
  targets: Target[],
  rounds: number,
  seconds: number,
  connections: number,
  warmupRequests = 0,
) {
  // Unrecorded: a fresh process compiles its hot paths during its first seconds, which would be
  // charged to whichever target happens to come first in round 1. Counted in requests: autocannon
  // runs whole seconds only.
  // One autocannon per server, cycling through its targets: each run costs at least a second.
  const byOrigin = new Map<string, Target[]>();
  for (const t of warmupRequests > 0 ? targets : []) {
    const origin = new URL(t.url).origin;
    byOrigin.set(origin, [...(byOrigin.get(origin) ?? []), t]);
  }
  for (const [origin, list] of byOrigin) {
    await autocannon({
      url: origin,
      connections,
      amount: warmupRequests * list.length,
      pipelining: 1,
      requests: list.map((t) => {
        const u = new URL(t.url);
        return { method: 'GET', path: `${u.pathname}${u.search}`, headers: t.headers };
      }),
    });
  }
  const all = new Map<string, HttpFigures[]>();
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      const f = await cannon(t, seconds, connections);
      process.stderr.write(
        `  round ${r + 1} ${t.name}: ${f.reqPerSec} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, ${f.cpuUsPerReq} µs CPU/req\n`,
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
      cpuUsPerReq: mean('cpuUsPerReq'),
      non2xx: list.reduce((a, f) => a + f.non2xx, 0),
      errors: list.reduce((a, f) => a + f.errors, 0),
      rounds: list.map((f) => f.reqPerSec),
    };
  }
  return out;
}
