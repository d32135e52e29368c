import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMeeting, seedOrg, seedUser } from '../support/seed';
import { sessionRequest } from '../support/sessions';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * "Nothing a client sends causes a 5xx" (SPEC §5): random values in every field of every meetings
 * procedure end in a result or a client error, never INTERNAL_SERVER_ERROR.
 */

let app: TestApp;
let caller: ReturnType<TestApp['caller']>;
let meetingId: string;

beforeAll(async () => {
  // Every generated call must reach validation and the database, not the session's budget (SPEC §9):
  // at 600 a minute, the runs past it were all refused, and that made "none reached the database" likely.
  app = await createTestApp({ env: { KEYHOLE_SESSION_RATE_LIMIT_PER_MINUTE: '1000000' } });
  const org = await seedOrg(app.deps.db);
  const host = await seedUser(app.deps.db, { orgId: org.id });
  meetingId = await seedMeeting(app.deps.db, { orgId: org.id, hostId: host.id });
  caller = app.caller(await sessionRequest(app, host.id));
});
afterAll(async () => {
  await app?.close();
});

// Any text, unpaired surrogates and NUL included, plus values of every JSON type.
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    'a@b.test',
    'A@B.TEST',
    '2026-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
  ),
);
const anyValue = fc.oneof(
  { arbitrary: text, weight: 4 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 2 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 },
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
// Mostly plausible values (so inputs get past the first check and reach the database), sometimes anything.
const mostly = <T>(plausible: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: plausible, weight: 4 }, { arbitrary: anyValue, weight: 1 });
const isoDate = fc
  .date({ min: new Date('1800-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const seconds = fc.oneof(fc.double({ min: -1, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 100 }));
const attendee = fc.record(
  {
    email: mostly(fc.oneof(fc.emailAddress(), fc.constantFrom('A@B.TEST', 'a@b.test'))),
    name: maybe(mostly(text)),
  },
  { requiredKeys: [] },
);
const segment = fc.record(
  { speaker: mostly(text), startSeconds: mostly(seconds), endSeconds: mostly(seconds), text: mostly(text) },
  { requiredKeys: [] },
);
const meetingFields = {
  subject: mostly(text),
  isPrivate: mostly(fc.boolean()),
  state: mostly(fc.constantFrom('scheduled', 'in_progress', 'completed', 'cancelled')),
  attendees: mostly(fc.array(attendee, { maxLength: 3 })),
  transcript: mostly(fc.array(segment, { maxLength: 3 })),
};

function clientErrorOrSuccess(p: Promise<unknown>) {
  return p.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? 'unknown',
  );
}

describe('random input never causes a 5xx', () => {
  it('meetings.create and meetings.update', async () => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { ...meetingFields, startAt: mostly(isoDate), endAt: mostly(isoDate) },
          { requiredKeys: ['subject', 'startAt', 'endAt'] },
        ),
        fc.record({ ...meetingFields, id: mostly(fc.constant('MEETING')) }, { requiredKeys: ['id'] }),
        async (create, update) => {
          const created = await clientErrorOrSuccess(caller.meetings.create(create as never));
          expect(created).not.toBe('INTERNAL_SERVER_ERROR');
          outcomes.add(`create:${created}`);
          const input = update.id === 'MEETING' ? { ...update, id: meetingId } : update;
          const updated = await clientErrorOrSuccess(caller.meetings.update(input as never));
          expect(updated).not.toBe('INTERNAL_SERVER_ERROR');
          outcomes.add(`update:${updated}`);
        },
      ),
      // About 1.5 % of the generated creates are valid all through; 600 runs make "none reached the
      // database" a 1-in-8,000 event.
      { numRuns: 600 },
    );
    // The property reached the database, not only the validator.
    expect(outcomes, [...outcomes].join(', ')).toContain('create:ok');
    expect(outcomes, [...outcomes].join(', ')).toContain('update:ok');
  }, 120_000);

  it('meetings.list, get and transcript', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            limit: mostly(fc.integer({ min: -5, max: 105 })),
            cursor: anyValue,
            from: mostly(isoDate),
            to: mostly(isoDate),
            state: anyValue,
            orderBy: fc.oneof(anyValue, fc.constantFrom('startAt', 'completedAt')),
            direction: fc.oneof(anyValue, fc.constantFrom('asc', 'desc')),
          },
          { requiredKeys: [] },
        ),
        anyValue,
        async (list, id) => {
          expect(await clientErrorOrSuccess(caller.meetings.list(list as never))).not.toBe(
            'INTERNAL_SERVER_ERROR',
          );
          expect(await clientErrorOrSuccess(caller.meetings.get({ id } as never))).not.toBe(
            'INTERNAL_SERVER_ERROR',
          );
          expect(await clientErrorOrSuccess(caller.meetings.transcript({ id } as never))).not.toBe(
            'INTERNAL_SERVER_ERROR',
          );
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);
});
