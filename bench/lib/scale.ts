import { writeFileSync } from 'node:fs';
import type { App } from '@keyhole/api/internal/app';
import { meetingPageQuery } from '@keyhole/api/internal/db/meetings/page-statement';
import { appRouter } from '@keyhole/api/internal/routers/app-router';
import { createContextInner } from '@keyhole/api/internal/trpc/context';
import { createCallerFactory } from '@keyhole/api/internal/trpc/trpc';
import { meetingAccessFor, type Principal } from '@keyhole/core';
import type { Dataset } from './dataset';
import { round } from './processes';

const createCaller = createCallerFactory(appRouter);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** meetings.list (limit 25) latency through the real procedure, in process, one call at a time. */
async function listLatency(app: App, keyString: string, calls: number) {
  const call = () =>
    createCaller(
      createContextInner({ deps: app.deps, req: { authorization: `Bearer ${keyString}`, ip: '127.0.0.1' } }),
    ).meetings.list({ limit: 25 });
  for (let i = 0; i < 20; i++) await call();
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < calls; i++) {
    const s = process.hrtime.bigint();
    const page = await call();
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
    items = page.items.length;
  }
  times.sort((a, b) => a - b);
  return { p50Ms: round(percentile(times, 50), 3), p99Ms: round(percentile(times, 99), 3), calls, items };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the statement a first page runs, saved beside the results. */
async function explainFirstPage(app: App, d: Dataset, scope: 'org_limited' | 'user_limited', file: string) {
  const principal: Principal = {
    kind: 'key',
    orgId: d.orgId,
    scope,
    issuedToUserId: scope === 'user_limited' ? d.heavyUserId : null,
  };
  const access = meetingAccessFor(principal, { orgFullKeysIncludePrivate: true, allowKeyReveal: true });
  const q = meetingPageQuery(app.deps.db, access, {
    orderBy: 'startAt',
    direction: 'desc',
    limit: 26,
  }).toSQL();
  const rows = await app.deps.database.query<{ 'QUERY PLAN': string }>(
    `explain (analyze, buffers) ${q.sql}`,
    q.params as unknown[],
  );
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  writeFileSync(file, `-- ${d.name}, ${scope}, first page of 25\n-- ${q.sql}\n\n${plan}\n`);
  const execution = /Execution Time: ([\d.]+) ms/.exec(plan)?.[1];
  return { executionMs: execution ? Number(execution) : null, file };
}

/** One scope's figures on one dataset: latency of the first page, and its plan written to `<prefix>-<meetings>-<scope>.txt`. */
export async function scaleFigures(
  app: App,
  d: Dataset,
  keyString: string,
  scope: 'org_limited' | 'user_limited',
  calls: number,
  prefix: string,
) {
  return {
    ...(await listLatency(app, keyString, calls)),
    explain: await explainFirstPage(app, d, scope, `${prefix}-${d.meetings}-${scope}.txt`),
  };
}
