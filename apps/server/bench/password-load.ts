// Figures for docs/SECURITY.md (run: cd apps/server && node --import tsx bench/password-load.ts): sign-up timing for a taken vs a new email, and
// peak RSS and scrypt concurrency while 12 sign-ups arrive at once, at the default cost (2^17).
import { createApp } from '@keyhole/api/internal/app';
import { createDatabase } from '@keyhole/api/internal/db/create-database';
import { loadConfig } from '@keyhole/api/internal/env';
import { startHttpServer } from '../src/http/http-server';

const database = await createDatabase({ kind: 'pglite' });
const config = loadConfig({
  NODE_ENV: 'test',
  KEYHOLE_LOG_LEVEL: 'silent',
  KEYHOLE_TRUST_PROXY: '1',
  KEYHOLE_SIGNUP_LIMIT_PER_HOUR: '1000',
});
const app = await createApp(config, { database, secret: 'x'.repeat(40) });
const server = await startHttpServer(app.deps, { host: '127.0.0.1', port: 0 });
let n = 0;
const signUp = (email: string, ip = `2001:db8::${(++n).toString(16)}`) =>
  fetch(`${server.url}/trpc/auth.signUp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ orgName: 'M', name: 'M', email, password: 'measure password 123' }),
  }).then(async (r) => ({ status: r.status, body: await r.text() }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const taken = `taken-${Date.now()}@example.test`;
await signUp(taken);
const tNew: number[] = [];
const tTaken: number[] = [];
for (let i = 0; i < 5; i++) {
  let s = performance.now();
  await signUp(`new-${i}-${Date.now()}@example.test`);
  tNew.push(performance.now() - s);
  s = performance.now();
  const r = await signUp(taken);
  tTaken.push(performance.now() - s);
  if (r.status !== 409) throw new Error(`expected 409, got ${r.status}`);
}
console.log(
  `sign-up answer time at N=2^17, median of 5: new email ${median(tNew).toFixed(0)} ms, taken email ${median(tTaken).toFixed(0)} ms`,
);
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
let maxRunning = 0;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
  maxRunning = Math.max(maxRunning, app.deps.passwords.stats().running);
}, 5);
const results = await Promise.all(
  Array.from({ length: 12 }, (_, i) => signUp(`burst-${i}-${Date.now()}@example.test`)),
);
clearInterval(timer);
const by = new Map<string, number>();
for (const r of results) {
  const key = r.status === 200 ? '200' : `${r.status} ${JSON.parse(r.body).error?.data?.reason ?? ''}`;
  by.set(key, (by.get(key) ?? 0) + 1);
}
console.log(
  `12 concurrent sign-ups: RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> peak ${(peak / 2 ** 20).toFixed(0)} MiB, max running hashes ${maxRunning}, answers ${JSON.stringify(Object.fromEntries(by))}`,
);
await server.close();
await app.close();
