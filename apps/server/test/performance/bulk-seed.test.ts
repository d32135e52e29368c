import type { KeyholeDatabase } from '@keyhole/api/internal/db/create-database';
import { bulkSeed } from '@keyhole/api/internal/services/seed/bulk-seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, isPostgres } from '../support/test-database';

let database: KeyholeDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const one = async (sql: string) => Number(Object.values((await database.query(sql))[0]!)[0]);

describe('bulk seed', () => {
  it('makes the documented shape: totals, admins, private share, heavy users, consistent attendee copies', async () => {
    const progress: number[] = [];
    const r = await bulkSeed(database, {
      orgs: 2,
      users: 40,
      meetings: 4000,
      batchSize: 700,
      rebuildIndexesFrom: 1000,
      onProgress: (done) => progress.push(done),
    });
    expect(r.meetings).toBe(4000);
    expect(progress.at(-1)).toBe(4000);
    const orgFilter = `org_id in ('${r.orgIds.join("','")}')`;
    expect(await one(`select count(*) from meetings where ${orgFilter}`)).toBe(4000);
    expect(await one(`select count(*) from users where ${orgFilter} and role = 'admin'`)).toBe(2);
    const privateShare =
      (await one(`select count(*) from meetings where ${orgFilter} and is_private`)) / 4000;
    expect(privateShare).toBeGreaterThan(0.05);
    expect(privateShare).toBeLessThan(0.15);
    // The host is never an attendee; attendee copies agree with their meeting.
    expect(
      await one(
        `select count(*) from meeting_attendees a join meetings m on m.id = a.meeting_id
         where ${orgFilter.replace('org_id', 'm.org_id')} and (a.user_id = m.host_id or a.meeting_is_private <> m.is_private
           or a.meeting_start_at <> m.start_at or a.meeting_created_at <> m.created_at
           or a.meeting_completed_at is distinct from m.completed_at)`,
      ),
    ).toBe(0);
    // The heavy user of each org attends at least ~10 % of its meetings.
    for (const org of r.orgUsers) {
      const attended = await one(
        `select count(distinct meeting_id) from meeting_attendees where user_id = '${org.heavyUserId}'`,
      );
      expect(attended / 2000).toBeGreaterThan(0.1);
    }
    if (isPostgres()) {
      // The load dropped and rebuilt the secondary indexes: every one is back.
      const names = (
        await database.query<{ indexname: string }>(
          `select indexname from pg_indexes where tablename in ('meetings', 'meeting_attendees')`,
        )
      ).map((x) => x.indexname);
      expect(names).toEqual(
        expect.arrayContaining([
          'meetings_org_start_idx',
          'meetings_host_completed_idx',
          'attendees_user_start_idx',
        ]),
      );
      expect(names).toHaveLength(12);
    }
  });
});
