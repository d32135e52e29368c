import { systemClock } from '@keyhole/api/internal/lib/clock';
import { httpQuery } from '@keyhole/testing/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrgWithAdmin } from '../keys/key-test-helpers';
import { type ApiProcess, startApiProcess } from '../support/api-process';
import { createKeyFor } from '../support/keys';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, isPostgres } from '../support/test-database';
import { type GithubScanner, githubScanner, report } from './github-scanner';

/**
 * SPEC §12 + §3 propagation: a key revoked by a leak report on process A is refused by process B,
 * which had it cached, within 1 s — the same change feed as an admin's revoke. Two real
 * `keyhole serve` processes on one PostgreSQL.
 */
const BUDGET_MS = 1000;

let app: TestApp;
let scanner: GithubScanner;
let a: ApiProcess;
let b: ApiProcess;
const figures: number[] = [];

const whoamiStatus = async (server: ApiProcess, keyString: string) =>
  (await httpQuery(server.url, 'whoami', undefined, { authorization: `Bearer ${keyString}` })).status;

describe.skipIf(!isPostgres())('a leak report on one process, the key refused by the other', () => {
  beforeAll(async () => {
    const database = await createTestDatabase();
    app = await createTestApp({ database, clock: systemClock });
    scanner = githubScanner();
    const env = { KEYHOLE_SECRET_SCANNING_KEYS_FILE: scanner.file };
    [a, b] = await Promise.all([
      startApiProcess({ name: 'A', databaseUrl: database.url!, env }),
      startApiProcess({ name: 'B', databaseUrl: database.url!, env }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await app?.close();
    console.log(
      `[leak-propagation] revoked by a report on A, refused by B after (ms): ${JSON.stringify(figures)}`,
    );
  });

  it('B refuses the reported key within 1 s (five keys, each cached on B first)', async () => {
    const team = await newOrgWithAdmin(app);
    for (let i = 0; i < 5; i++) {
      const key = await createKeyFor(app, {
        adminUserId: team.admin.id,
        scope: 'org_full',
        name: `Leak ${i}`,
      });
      const other = await createKeyFor(app, {
        adminUserId: team.admin.id,
        scope: 'org_limited',
        name: `Kept ${i}`,
      });
      for (let w = 0; w < 3; w++) expect(await whoamiStatus(b, key.keyString)).toBe(200);
      const res = await report(a.url, scanner, [{ token: key.keyString }]);
      expect(res.json).toMatchObject([{ label: 'true_positive' }]);
      const since = performance.now();
      // A refuses it at once: the revoke committed within the report's request.
      expect(await whoamiStatus(a, key.keyString)).toBe(401);
      for (;;) {
        if ((await whoamiStatus(b, key.keyString)) === 401) break;
        if (performance.now() - since > BUDGET_MS * 3) throw new Error('B still accepts the leaked key');
      }
      const ms = Math.round((performance.now() - since) * 10) / 10;
      figures.push(ms);
      expect(ms).toBeLessThan(BUDGET_MS);
      expect(await whoamiStatus(b, other.keyString)).toBe(200);
      await team.caller.keys.revoke({ id: other.id });
    }
  });
});
