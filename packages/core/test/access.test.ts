import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canPrincipalRead,
  canReadMeeting,
  checkKeyUsable,
  type KeyState,
  type KeyUsable,
  type MeetingFacts,
  meetingAccessFor,
  type OrgSettings,
  type Principal,
  type SCOPES,
  userCanSee,
} from '../src/index';

const ORG = 'org-a';
const OTHER_ORG = 'org-b';
const U = 'user-u'; // the principal's user
const H = 'user-h'; // another host in the same org
const X = 'user-x'; // a third member

const ON: OrgSettings = { orgFullKeysIncludePrivate: true, allowKeyReveal: true, leakedKeyAction: 'revoke' };
const OFF: OrgSettings = {
  orgFullKeysIncludePrivate: false,
  allowKeyReveal: true,
  leakedKeyAction: 'revoke',
};

const meetings = {
  'hosted by U, public': { orgId: ORG, hostId: U, isPrivate: false, attendeeUserIds: [X] },
  'hosted by U, private': { orgId: ORG, hostId: U, isPrivate: true, attendeeUserIds: [X] },
  'U attends, public (host H)': { orgId: ORG, hostId: H, isPrivate: false, attendeeUserIds: [U, X] },
  'U attends, private (host H)': { orgId: ORG, hostId: H, isPrivate: true, attendeeUserIds: [U, X] },
  'U not attending, public': { orgId: ORG, hostId: H, isPrivate: false, attendeeUserIds: [X] },
  'U not attending, private': { orgId: ORG, hostId: H, isPrivate: true, attendeeUserIds: [X] },
  // Same ids as a meeting U hosts, so only the org check can refuse it.
  'other org, hosted by U, public': { orgId: OTHER_ORG, hostId: U, isPrivate: false, attendeeUserIds: [U] },
  'other org, private': { orgId: OTHER_ORG, hostId: H, isPrivate: true, attendeeUserIds: [U] },
} satisfies Record<string, MeetingFacts>;
type MeetingName = keyof typeof meetings;

const principals = {
  'session of U': { kind: 'session', orgId: ORG, userId: U },
  'user_limited key of U': { kind: 'key', orgId: ORG, scope: 'user_limited', issuedToUserId: U },
  'user_full key of U': { kind: 'key', orgId: ORG, scope: 'user_full', issuedToUserId: U },
  'org_limited key': { kind: 'key', orgId: ORG, scope: 'org_limited', issuedToUserId: null },
  'org_full key': { kind: 'key', orgId: ORG, scope: 'org_full', issuedToUserId: null },
  'legacy key': { kind: 'key', orgId: ORG, scope: 'legacy', issuedToUserId: null },
} satisfies Record<string, Principal>;
type PrincipalName = keyof typeof principals;

type Row = [principal: PrincipalName, settings: 'ON' | 'OFF', meeting: MeetingName, expected: boolean];

// One line per SPEC §2 cell. Expected values are written out, never derived.
const TABLE: Row[] = [
  // signed-in user U: meetings U can see
  ['session of U', 'ON', 'hosted by U, public', true],
  ['session of U', 'ON', 'hosted by U, private', true],
  ['session of U', 'ON', 'U attends, public (host H)', true],
  ['session of U', 'ON', 'U attends, private (host H)', false],
  ['session of U', 'ON', 'U not attending, public', false],
  ['session of U', 'ON', 'U not attending, private', false],
  ['session of U', 'ON', 'other org, hosted by U, public', false],
  ['session of U', 'ON', 'other org, private', false],
  ['session of U', 'OFF', 'hosted by U, private', true],

  // user_limited: what U can see, minus every private meeting
  ['user_limited key of U', 'ON', 'hosted by U, public', true],
  ['user_limited key of U', 'ON', 'hosted by U, private', false],
  ['user_limited key of U', 'ON', 'U attends, public (host H)', true],
  ['user_limited key of U', 'ON', 'U attends, private (host H)', false],
  ['user_limited key of U', 'ON', 'U not attending, public', false],
  ['user_limited key of U', 'ON', 'U not attending, private', false],
  ['user_limited key of U', 'ON', 'other org, hosted by U, public', false],
  ['user_limited key of U', 'ON', 'other org, private', false],

  // user_full: what U can see, U's own private meetings included; the org setting is irrelevant
  ['user_full key of U', 'ON', 'hosted by U, public', true],
  ['user_full key of U', 'ON', 'hosted by U, private', true],
  ['user_full key of U', 'ON', 'U attends, public (host H)', true],
  ['user_full key of U', 'ON', 'U attends, private (host H)', false],
  ['user_full key of U', 'ON', 'U not attending, public', false],
  ['user_full key of U', 'ON', 'U not attending, private', false],
  ['user_full key of U', 'ON', 'other org, hosted by U, public', false],
  ['user_full key of U', 'ON', 'other org, private', false],
  ['user_full key of U', 'OFF', 'hosted by U, private', true],
  ['user_full key of U', 'OFF', 'U attends, private (host H)', false],

  // org_limited: every non-private meeting of the org
  ['org_limited key', 'ON', 'hosted by U, public', true],
  ['org_limited key', 'ON', 'hosted by U, private', false],
  ['org_limited key', 'ON', 'U attends, public (host H)', true],
  ['org_limited key', 'ON', 'U attends, private (host H)', false],
  ['org_limited key', 'ON', 'U not attending, public', true],
  ['org_limited key', 'ON', 'U not attending, private', false],
  ['org_limited key', 'ON', 'other org, hosted by U, public', false],
  ['org_limited key', 'ON', 'other org, private', false],

  // org_full, orgFullKeysIncludePrivate = true: every meeting of the org
  ['org_full key', 'ON', 'hosted by U, public', true],
  ['org_full key', 'ON', 'hosted by U, private', true],
  ['org_full key', 'ON', 'U attends, public (host H)', true],
  ['org_full key', 'ON', 'U attends, private (host H)', true],
  ['org_full key', 'ON', 'U not attending, public', true],
  ['org_full key', 'ON', 'U not attending, private', true],
  ['org_full key', 'ON', 'other org, hosted by U, public', false],
  ['org_full key', 'ON', 'other org, private', false],

  // org_full, orgFullKeysIncludePrivate = false: private ones drop out
  ['org_full key', 'OFF', 'hosted by U, public', true],
  ['org_full key', 'OFF', 'hosted by U, private', false],
  ['org_full key', 'OFF', 'U attends, public (host H)', true],
  ['org_full key', 'OFF', 'U attends, private (host H)', false],
  ['org_full key', 'OFF', 'U not attending, public', true],
  ['org_full key', 'OFF', 'U not attending, private', false],
  ['org_full key', 'OFF', 'other org, hosted by U, public', false],
  ['org_full key', 'OFF', 'other org, private', false],

  // legacy: every meeting of the org, private included, whatever the settings
  ['legacy key', 'OFF', 'hosted by U, public', true],
  ['legacy key', 'OFF', 'hosted by U, private', true],
  ['legacy key', 'OFF', 'U attends, public (host H)', true],
  ['legacy key', 'OFF', 'U attends, private (host H)', true],
  ['legacy key', 'OFF', 'U not attending, public', true],
  ['legacy key', 'OFF', 'U not attending, private', true],
  ['legacy key', 'OFF', 'other org, hosted by U, public', false],
  ['legacy key', 'OFF', 'other org, private', false],
  ['legacy key', 'ON', 'U not attending, private', true],
  ['legacy key', 'ON', 'other org, private', false],
];

describe('SPEC §2 read rule', () => {
  describe.each(TABLE)('%s (orgFullKeysIncludePrivate %s) reading "%s"', (pName, sName, mName, expected) => {
    const principal: Principal = principals[pName];
    const settings = sName === 'ON' ? ON : OFF;
    const meeting: MeetingFacts = meetings[mName];

    it(`canPrincipalRead → ${expected}`, () => {
      expect(canPrincipalRead(principal, settings, meeting)).toBe(expected);
    });

    it(`canReadMeeting(meetingAccessFor(…)) → ${expected}`, () => {
      expect(canReadMeeting(meetingAccessFor(principal, settings), meeting)).toBe(expected);
    });
  });

  it('meetingAccessFor produces the documented data form', () => {
    expect(meetingAccessFor(principals['session of U'], OFF)).toEqual({
      kind: 'user',
      orgId: ORG,
      userId: U,
      includeOwnPrivate: true,
    });
    expect(meetingAccessFor(principals['user_limited key of U'], ON)).toEqual({
      kind: 'user',
      orgId: ORG,
      userId: U,
      includeOwnPrivate: false,
    });
    expect(meetingAccessFor(principals['user_full key of U'], OFF)).toEqual({
      kind: 'user',
      orgId: ORG,
      userId: U,
      includeOwnPrivate: true,
    });
    expect(meetingAccessFor(principals['org_limited key'], ON)).toEqual({
      kind: 'org',
      orgId: ORG,
      includePrivate: false,
    });
    expect(meetingAccessFor(principals['org_full key'], ON)).toEqual({
      kind: 'org',
      orgId: ORG,
      includePrivate: true,
    });
    expect(meetingAccessFor(principals['org_full key'], OFF)).toEqual({
      kind: 'org',
      orgId: ORG,
      includePrivate: false,
    });
    expect(meetingAccessFor(principals['legacy key'], OFF)).toEqual({
      kind: 'org',
      orgId: ORG,
      includePrivate: true,
    });
  });

  it('userCanSee: host always, attendee only when not private, never across orgs', () => {
    expect(userCanSee(U, ORG, meetings['hosted by U, private'])).toBe(true);
    expect(userCanSee(U, ORG, meetings['U attends, public (host H)'])).toBe(true);
    expect(userCanSee(U, ORG, meetings['U attends, private (host H)'])).toBe(false);
    expect(userCanSee(U, ORG, meetings['U not attending, public'])).toBe(false);
    expect(userCanSee(U, ORG, meetings['other org, hosted by U, public'])).toBe(false);
    expect(userCanSee(U, OTHER_ORG, meetings['other org, hosted by U, public'])).toBe(true);
  });

  it('a user-scoped key without its user is refused loudly by both forms', () => {
    const broken: Principal = { kind: 'key', orgId: ORG, scope: 'user_full', issuedToUserId: null };
    expect(() => meetingAccessFor(broken, ON)).toThrow(/issuedToUserId/);
    expect(() => canPrincipalRead(broken, ON, meetings['hosted by U, public'])).toThrow(/issuedToUserId/);
  });
});

// Small id pools so that random principals and meetings actually collide on org, host and attendee.
const orgArb = fc.constantFrom('o1', 'o2');
const userArb = fc.constantFrom('u1', 'u2', 'u3', 'u4');
const settingsArb: fc.Arbitrary<OrgSettings> = fc.record({
  orgFullKeysIncludePrivate: fc.boolean(),
  allowKeyReveal: fc.boolean(),
  leakedKeyAction: fc.constantFrom('revoke' as const, 'notify' as const),
});
const principalArb: fc.Arbitrary<Principal> = fc.oneof(
  fc.record({ kind: fc.constant('session' as const), orgId: orgArb, userId: userArb }),
  fc.record({
    kind: fc.constant('key' as const),
    orgId: orgArb,
    scope: fc.constantFrom('user_limited' as const, 'user_full' as const),
    issuedToUserId: userArb,
  }),
  fc.record({
    kind: fc.constant('key' as const),
    orgId: orgArb,
    scope: fc.constantFrom('org_limited' as const, 'org_full' as const, 'legacy' as const),
    // Org keys ignore issuedToUserId; a stray one must not change anything.
    issuedToUserId: fc.option(userArb, { nil: null }),
  }),
);
const meetingArb: fc.Arbitrary<MeetingFacts> = fc.record({
  orgId: orgArb,
  hostId: userArb,
  isPrivate: fc.boolean(),
  attendeeUserIds: fc.uniqueArray(userArb, { maxLength: 4 }),
});

describe('properties', () => {
  it('canPrincipalRead and canReadMeeting(meetingAccessFor(…)) always agree', () => {
    fc.assert(
      fc.property(principalArb, settingsArb, meetingArb, (p, s, m) => {
        expect(canReadMeeting(meetingAccessFor(p, s), m)).toBe(canPrincipalRead(p, s, m));
      }),
      { numRuns: 5000 },
    );
  });

  it('nothing ever crosses orgs', () => {
    fc.assert(
      fc.property(principalArb, settingsArb, meetingArb, (p, s, m) => {
        fc.pre(p.orgId !== m.orgId);
        expect(canPrincipalRead(p, s, m)).toBe(false);
        expect(canReadMeeting(meetingAccessFor(p, s), m)).toBe(false);
      }),
    );
  });

  it('scopes nest: user_limited ⊆ user_full = session, org_limited ⊆ org_full ⊆ legacy', () => {
    fc.assert(
      fc.property(orgArb, userArb, settingsArb, meetingArb, (orgId, userId, s, m) => {
        const key = (scope: (typeof SCOPES)[number]): Principal => ({
          kind: 'key',
          orgId,
          scope,
          issuedToUserId: scope.startsWith('user_') ? userId : null,
        });
        const read = (p: Principal) => canPrincipalRead(p, s, m);
        const session = read({ kind: 'session', orgId, userId });
        if (read(key('user_limited'))) expect(read(key('user_full'))).toBe(true);
        expect(read(key('user_full'))).toBe(session);
        if (read(key('org_limited'))) expect(read(key('org_full'))).toBe(true);
        if (read(key('org_full'))) expect(read(key('legacy'))).toBe(true);
        if (session) expect(read(key('legacy'))).toBe(true);
      }),
    );
  });
});

describe('checkKeyUsable', () => {
  const now = new Date('2025-06-01T12:00:00.000Z');
  const expired: KeyUsable = { ok: false, code: 'UNAUTHORIZED', reason: 'key_expired' };
  const deactivated: KeyUsable = { ok: false, code: 'FORBIDDEN', reason: 'key_user_deactivated' };
  const usable: KeyUsable = { ok: true };

  const rows: [string, KeyState, KeyUsable][] = [
    [
      'expired a day ago',
      { expiresAt: new Date('2025-05-31T12:00:00.000Z'), issuedToStatus: 'active' },
      expired,
    ],
    [
      'expires exactly now',
      { expiresAt: new Date('2025-06-01T12:00:00.000Z'), issuedToStatus: 'active' },
      expired,
    ],
    [
      'expires 1 ms from now',
      { expiresAt: new Date('2025-06-01T12:00:00.001Z'), issuedToStatus: 'active' },
      usable,
    ],
    [
      'expires next year',
      { expiresAt: new Date('2026-06-01T12:00:00.000Z'), issuedToStatus: 'active' },
      usable,
    ],
    ['no expiry', { expiresAt: null, issuedToStatus: 'active' }, usable],
    ['user deactivated', { expiresAt: null, issuedToStatus: 'deactivated' }, deactivated],
    [
      'user deactivated, not yet expired',
      { expiresAt: new Date('2026-01-01T00:00:00.000Z'), issuedToStatus: 'deactivated' },
      deactivated,
    ],
    [
      'expired and user deactivated (expiry wins)',
      { expiresAt: new Date('2025-01-01T00:00:00.000Z'), issuedToStatus: 'deactivated' },
      expired,
    ],
    ['org key (no issued-to user)', { expiresAt: null, issuedToStatus: null }, usable],
    ['org key, expired', { expiresAt: new Date('2025-01-01T00:00:00.000Z'), issuedToStatus: null }, expired],
    [
      'invalid expiry date fails closed',
      { expiresAt: new Date('not a date'), issuedToStatus: null },
      expired,
    ],
  ];

  it.each(rows)('%s', (_name, state, expected) => {
    expect(checkKeyUsable(state, now)).toEqual(expected);
  });
});
