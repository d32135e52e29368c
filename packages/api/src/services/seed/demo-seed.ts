import type { MeetingState } from '@keyhole/core';
import type { Database } from '../../db';
import { type AttendeeRow, insertMeeting, type NewMeetingRow } from '../../db/meetings/store';
import { insertOrg } from '../../db/orgs/insert-org';
import { isEmailTaken } from '../../db/users/by-email';
import { insertUserRow } from '../../db/users/new-user';
import type { AppDeps } from '../../deps';
import { isUniqueViolation } from '../../lib/db-errors';
import { hashPassword } from '../../lib/password';
import { demoKeyLines, seedDemoKeys } from './demo-keys';
import {
  DEMO_ORG_NAME,
  DEMO_OUTSIDER,
  DEMO_PASSWORD,
  DEMO_USERS,
  type DemoSeed,
  type DemoUser,
} from './demo-org';

export class DemoAlreadySeededError extends Error {
  constructor() {
    super(`The demo org already exists (${DEMO_USERS.admin.email}); sign in with the demo password.`);
  }
}

type TranscriptSegment = NonNullable<NewMeetingRow['transcript']>[number];

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

function transcript(...lines: [string, string][]): TranscriptSegment[] {
  return lines.map(([speaker, text], i) => ({
    speaker,
    text,
    startSeconds: i * 20,
    endSeconds: i * 20 + 18,
  }));
}

interface DemoMeeting {
  key: string;
  host: DemoUser;
  subject: string;
  /** Days from now (negative: past). */
  day: number;
  state: MeetingState;
  isPrivate: boolean;
  attendees: (DemoUser | 'outsider')[];
  transcript?: TranscriptSegment[];
}

// The comment on each line says who may see it; "org keys" means org_limited (non-private) and
// org_full (everything while orgFullKeysIncludePrivate is on).
const MEETINGS: DemoMeeting[] = [
  // Hosted by Bea: public and private, with and without transcripts.
  {
    key: 'beaWeeklyPlanning',
    host: 'bea',
    subject: 'Weekly planning',
    day: -7,
    state: 'completed',
    isPrivate: false,
    attendees: ['carl', 'dana'],
    transcript: transcript(
      ['Bea Berg', 'Let us go through the board.'],
      ['Carl Chen', 'Two tickets are blocked on review.'],
      ['Dana Diaz', 'I can review them today.'],
    ),
  },
  {
    key: 'beaOneOnOneNotes',
    host: 'bea',
    subject: '1:1 notes with my manager',
    day: -3,
    state: 'completed',
    isPrivate: true,
    attendees: ['admin'],
    transcript: transcript(
      ['Bea Berg', 'I would like to talk about my growth plan.'],
      ['Ada Admin', 'Sure, let us start with last quarter.'],
    ),
  },
  {
    key: 'beaCustomerCall',
    host: 'bea',
    subject: 'Customer call with Partner Co',
    day: 2,
    state: 'scheduled',
    isPrivate: false,
    attendees: ['outsider', 'carl'],
  },
  {
    key: 'beaSalaryReview',
    host: 'bea',
    subject: 'Salary review prep',
    day: 4,
    state: 'scheduled',
    isPrivate: true,
    attendees: [],
  },
  // Hosted by Carl, attended by Bea: the public one is in Bea's list, the private one is Carl's alone.
  {
    key: 'carlDesignReview',
    host: 'carl',
    subject: 'Design review',
    day: -5,
    state: 'completed',
    isPrivate: false,
    attendees: ['bea'],
    transcript: transcript(
      ['Carl Chen', 'Here is the new onboarding flow.'],
      ['Bea Berg', 'The second step needs a clearer label.'],
    ),
  },
  {
    key: 'carlHiringDebrief',
    host: 'carl',
    subject: 'Hiring debrief (confidential)',
    day: -2,
    state: 'completed',
    isPrivate: true,
    attendees: ['bea', 'dana'],
    transcript: transcript(
      ['Carl Chen', 'Candidate feedback, please.'],
      ['Dana Diaz', 'Strong hire from me.'],
    ),
  },
  {
    key: 'carlStandup',
    host: 'carl',
    subject: 'Team stand-up',
    day: 0,
    state: 'in_progress',
    isPrivate: false,
    attendees: ['bea', 'dana', 'admin'],
  },
  // Hosted by Dana, Bea not invited: only org keys and Dana see these.
  {
    key: 'danaBoardPrep',
    host: 'dana',
    subject: 'Board deck preparation',
    day: -1,
    state: 'completed',
    isPrivate: false,
    attendees: ['admin'],
    transcript: transcript(
      ['Dana Diaz', 'Slide four needs the new numbers.'],
      ['Ada Admin', 'I will send them tonight.'],
    ),
  },
  {
    key: 'carlPipelineReview',
    host: 'carl',
    subject: 'Sales pipeline review',
    day: -6,
    state: 'completed',
    isPrivate: false,
    attendees: ['dana'],
  },
  {
    key: 'danaVendorCall',
    host: 'dana',
    subject: 'Vendor negotiation',
    day: 1,
    state: 'cancelled',
    isPrivate: false,
    attendees: ['outsider'],
  },
  {
    key: 'danaPersonal',
    host: 'dana',
    subject: 'Doctor appointment',
    day: 3,
    state: 'scheduled',
    isPrivate: true,
    attendees: [],
  },
  // Hosted by the admin.
  {
    key: 'adminAllHands',
    host: 'admin',
    subject: 'All hands',
    day: -14,
    state: 'completed',
    isPrivate: false,
    attendees: ['bea', 'carl', 'dana', 'eve'],
    transcript: transcript(
      ['Ada Admin', 'Welcome everyone to the quarterly all hands.'],
      ['Carl Chen', 'Engineering shipped the new key scopes.'],
    ),
  },
  {
    key: 'adminLegalReview',
    host: 'admin',
    subject: 'Legal review',
    day: -4,
    state: 'completed',
    isPrivate: true,
    attendees: ['dana'],
  },
  // Hosted by the deactivated member: still the org's data, still visible to org keys.
  {
    key: 'eveHandover',
    host: 'eve',
    subject: 'Handover before leaving',
    day: -20,
    state: 'completed',
    isPrivate: false,
    attendees: ['bea'],
    transcript: transcript(['Eve Evans', 'Here is where everything lives.']),
  },
];

/** Creates the demo org. Refuses (DemoAlreadySeededError) when the demo admin's email exists. */
export async function seedDemo(deps: AppDeps): Promise<DemoSeed> {
  if (await isEmailTaken(deps.db, DEMO_USERS.admin.email)) throw new DemoAlreadySeededError();
  const names = Object.keys(DEMO_USERS) as DemoUser[];
  // One hash each (distinct salts), before the transaction: they are deliberately slow.
  const hashes: string[] = [];
  for (const _ of names) hashes.push(await hashPassword(DEMO_PASSWORD, deps.config.passwordCost));
  const now = deps.clock.now();
  let base: Omit<DemoSeed, 'keys'>;
  try {
    base = await deps.db.transaction(async (tx) => {
      const org = await insertOrg(tx, { name: DEMO_ORG_NAME, createdAt: new Date(now.getTime() - 30 * DAY) });
      const seeded = {} as DemoSeed['users'];
      for (const [i, name] of names.entries()) {
        const u = DEMO_USERS[name];
        const createdAt = new Date(now.getTime() - (30 - i) * DAY);
        const row = await insertUserRow(tx, {
          orgId: org.id,
          ...u,
          passwordHash: hashes[i]!,
          createdAt,
          updatedAt: createdAt,
        });
        seeded[name] = { id: row.id, email: row.email, name: row.name };
      }
      const meetings = await insertDemoMeetings(tx, org.id, seeded, now);
      return { orgId: org.id, password: DEMO_PASSWORD, users: seeded, meetings };
    });
  } catch (err) {
    // Another process seeded first (several API processes starting on one fresh database).
    if (isUniqueViolation(err, 'users_email_lower_uq')) throw new DemoAlreadySeededError();
    throw err;
  }
  return { ...base, keys: await seedDemoKeys(deps, base) };
}

async function insertDemoMeetings(
  tx: Database,
  orgId: string,
  seeded: DemoSeed['users'],
  now: Date,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  // Whole hours, so the demo's times read well.
  const base = Math.floor(now.getTime() / HOUR) * HOUR;
  for (const [i, m] of MEETINGS.entries()) {
    const startAt = new Date(base + m.day * DAY + (i % 3) * HOUR);
    const endAt = new Date(startAt.getTime() + 45 * 60 * 1000);
    const createdAt = new Date(Math.min(now.getTime(), startAt.getTime() - 2 * DAY));
    const attendees: AttendeeRow[] = m.attendees.map((a) =>
      a === 'outsider'
        ? { ...DEMO_OUTSIDER, userId: null }
        : { email: seeded[a].email, name: seeded[a].name, userId: seeded[a].id },
    );
    ids[m.key] = await insertMeeting(tx, {
      orgId,
      hostId: seeded[m.host].id,
      subject: m.subject,
      startAt,
      endAt,
      state: m.state,
      isPrivate: m.isPrivate,
      createdAt,
      completedAt: m.state === 'completed' ? (endAt < now ? endAt : now) : null,
      attendees,
      transcript: m.transcript ?? null,
    });
  }
  return ids;
}

/** The sign-in instructions printed after seeding. `extra` lines come from later seeds (demo keys). */
export function demoInstructions(seed: DemoSeed, url: string, extra: string[] = []): string {
  const width = Math.max(...Object.values(seed.users).map((u) => u.email.length));
  const lines = (Object.keys(seed.users) as DemoUser[]).map((k) => {
    const u = DEMO_USERS[k];
    const note = u.status === 'deactivated' ? 'member, deactivated' : u.role;
    return `    ${u.email.padEnd(width)}  ${note}`;
  });
  return [
    '',
    `Demo org "${DEMO_ORG_NAME}" is ready. Sign in at ${url} with any of:`,
    ...lines,
    `  Password (all demo users): ${seed.password}`,
    ...demoKeyLines(seed.keys),
    ...extra,
    '',
  ].join('\n');
}
