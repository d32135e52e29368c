import { describe, expect, it } from 'vitest';
import {
  CREATABLE_SCOPES,
  checkExpiresAt,
  checkIssuedTo,
  checkKeyLimit,
  checkMutable,
  checkOverlapSeconds,
  checkRateLimitPerMinute,
  checkRevealAllowed,
  KEY_LIMIT_PER_ORG,
  KeyholeError,
  MAX_OVERLAP_SECONDS,
  normalizeKeyName,
  RATE_LIMIT_MAX,
  RATE_LIMIT_MIN,
  SCOPES,
  unwrapPolicy,
} from '../src/index';

const ORG = 'org-a';
const activeHere = { orgId: ORG, status: 'active' as const };
const deactivatedHere = { orgId: ORG, status: 'deactivated' as const };
const activeElsewhere = { orgId: 'org-b', status: 'active' as const };

describe('constants', () => {
  it('match the SPEC', () => {
    expect(KEY_LIMIT_PER_ORG).toBe(10);
    expect(RATE_LIMIT_MIN).toBe(1);
    expect(RATE_LIMIT_MAX).toBe(100000);
    expect(MAX_OVERLAP_SECONDS).toBe(86400);
  });
});

describe('normalizeKeyName', () => {
  it.each([
    ['Zapier – CS Team', 'Zapier – CS Team'],
    ['  BI Dashboard Readonly \n', 'BI Dashboard Readonly'],
    ['x', 'x'],
    ['a'.repeat(100), 'a'.repeat(100)],
    [` ${'é'.repeat(100)} `, 'é'.repeat(100)],
    ['🔑'.repeat(100), '🔑'.repeat(100)],
  ])('accepts %j', (raw, expected) => {
    expect(normalizeKeyName(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['empty', ''],
    ['white space only', ' \t\n '],
    ['101 characters', 'a'.repeat(101)],
    ['101 characters after trimming', ` ${'b'.repeat(101)} `],
    ['101 emoji', '🔑'.repeat(101)],
    ['a NUL character', 'Zapier\u0000'],
    ['an unpaired surrogate', 'Zapier \ud83d'],
  ])('refuses %s with BAD_REQUEST naming the field', (_name, raw) => {
    const r = normalizeKeyName(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.reason).toBeUndefined();
    expect(r.message).toMatch(/\bname\b/);
  });
});

describe('checkKeyLimit', () => {
  it.each([0, 1, 9])('allows creating with %i keys in use', (count) => {
    expect(checkKeyLimit(count)).toEqual({ ok: true, value: undefined });
  });

  it.each([10, 11, 50])('refuses with %i keys in use', (count) => {
    const r = checkKeyLimit(count);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('CONFLICT');
    expect(r.reason).toBe('key_limit_reached');
    expect(r.message).toMatch(/10/);
    expect(r.message).toMatch(/revoke/i);
  });
});

describe('checkIssuedTo', () => {
  it.each([
    ['user_limited', 'u1', activeHere],
    ['user_full', 'u1', activeHere],
    ['org_limited', undefined, null],
    ['org_limited', null, null],
    ['org_full', undefined, null],
  ] as const)('%s with issuedToUserId %j is fine', (scope, id, user) => {
    expect(checkIssuedTo(scope, id, user, ORG)).toEqual({ ok: true, value: undefined });
  });

  it.each([
    [
      'user_limited without an id',
      'user_limited',
      undefined,
      null,
      'BAD_REQUEST',
      /issuedToUserId.*required/,
    ],
    ['user_full with null', 'user_full', null, null, 'BAD_REQUEST', /issuedToUserId.*required/],
    ['user_full with an empty id', 'user_full', '', null, 'BAD_REQUEST', /issuedToUserId.*required/],
    ['org_limited with an id', 'org_limited', 'u1', activeHere, 'BAD_REQUEST', /issuedToUserId.*not allowed/],
    ['org_full with an id', 'org_full', 'u1', activeHere, 'BAD_REQUEST', /issuedToUserId.*not allowed/],
    ['an unknown user', 'user_full', 'u404', null, 'NOT_FOUND', /issuedToUserId/],
    ['a user of another org', 'user_limited', 'u1', activeElsewhere, 'NOT_FOUND', /issuedToUserId/],
    [
      'a deactivated user',
      'user_full',
      'u1',
      deactivatedHere,
      'PRECONDITION_FAILED',
      /issuedToUserId.*deactivated/,
    ],
  ] as const)('refuses %s', (_name, scope, id, user, code, message) => {
    const r = checkIssuedTo(scope, id, user, ORG);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe(code);
    expect(r.reason).toBeUndefined();
    expect(r.message).toMatch(message);
  });

  it('answers another org exactly like a missing user', () => {
    expect(checkIssuedTo('user_full', 'u1', activeElsewhere, ORG)).toEqual(
      checkIssuedTo('user_full', 'u1', null, ORG),
    );
  });

  it('refuses legacy even when the type system is bypassed', () => {
    const r = checkIssuedTo('legacy' as (typeof CREATABLE_SCOPES)[number], undefined, null, ORG);
    expect(r).toMatchObject({ ok: false, code: 'BAD_REQUEST', message: expect.stringMatching(/scope/) });
  });
});

describe('checkMutable', () => {
  it.each(CREATABLE_SCOPES)('%s keys can be renamed and regenerated', (scope) => {
    expect(checkMutable(scope)).toEqual({ ok: true, value: undefined });
  });

  it('legacy keys are read-only', () => {
    const r = checkMutable('legacy');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('PRECONDITION_FAILED');
    expect(r.reason).toBe('legacy_read_only');
    expect(r.message).toMatch(/legacy/i);
    expect(r.message).toMatch(/read-only/);
  });

  it('covers every scope', () => {
    expect(SCOPES.filter((s) => !checkMutable(s).ok)).toEqual(['legacy']);
  });
});

describe('checkExpiresAt', () => {
  const now = new Date('2025-06-01T12:00:00.000Z');

  it.each([
    ['undefined (never expires)', undefined],
    ['null (never expires)', null],
    ['1 ms in the future', new Date('2025-06-01T12:00:00.001Z')],
    ['next year', new Date('2026-06-01T00:00:00.000Z')],
  ])('accepts %s', (_name, expiresAt) => {
    expect(checkExpiresAt(expiresAt, now)).toEqual({ ok: true, value: undefined });
  });

  it.each([
    ['exactly now', new Date('2025-06-01T12:00:00.000Z'), /expiresAt.*future/],
    ['in the past', new Date('2020-01-01T00:00:00.000Z'), /expiresAt.*future/],
    ['an invalid date', new Date('nope'), /expiresAt.*valid/],
  ])('refuses %s', (_name, expiresAt, message) => {
    const r = checkExpiresAt(expiresAt, now);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.reason).toBeUndefined();
    expect(r.message).toMatch(message);
  });
});

describe('checkRateLimitPerMinute', () => {
  it.each([
    [undefined, null],
    [null, null],
    [1, 1],
    [300, 300],
    [100000, 100000],
  ])('accepts %j as %j', (input, value) => {
    expect(checkRateLimitPerMinute(input)).toEqual({ ok: true, value });
  });

  it.each([0, -1, 100001, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d', (input) => {
    const r = checkRateLimitPerMinute(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toMatch(/rateLimitPerMinute/);
  });
});

describe('checkOverlapSeconds', () => {
  it.each([
    [undefined, 0],
    [null, 0],
    [0, 0],
    [60, 60],
    [86400, 86400],
  ])('accepts %j as %j', (input, value) => {
    expect(checkOverlapSeconds(input)).toEqual({ ok: true, value });
  });

  it.each([-1, 86401, 0.5, Number.NaN])('refuses %d', (input) => {
    const r = checkOverlapSeconds(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toMatch(/previousSecretValidForSeconds/);
  });
});

describe('checkRevealAllowed', () => {
  it('allows while allowKeyReveal is true', () => {
    expect(checkRevealAllowed({ allowKeyReveal: true })).toEqual({ ok: true, value: undefined });
  });

  it('refuses with FORBIDDEN reveal_disabled while it is false', () => {
    const r = checkRevealAllowed({ allowKeyReveal: false });
    expect(r).toMatchObject({ ok: false, code: 'FORBIDDEN', reason: 'reveal_disabled' });
    if (r.ok) return;
    expect(r.message).toMatch(/allowKeyReveal/);
  });
});

describe('unwrapPolicy', () => {
  it('returns the value of a success', () => {
    expect(unwrapPolicy(normalizeKeyName('  ok  '))).toBe('ok');
  });

  it('throws a KeyholeError carrying code, reason and message of a failure', () => {
    let caught: unknown;
    try {
      unwrapPolicy(checkKeyLimit(10));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KeyholeError);
    const err = caught as KeyholeError;
    expect(err.code).toBe('CONFLICT');
    expect(err.reason).toBe('key_limit_reached');
    expect(err.httpStatus).toBe(409);
    expect(err.message).toMatch(/revoke/i);
  });
});
