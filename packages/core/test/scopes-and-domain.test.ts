import { describe, expect, it } from 'vitest';
import {
  AUDIT_ACTIONS,
  CREATABLE_SCOPES,
  ERROR_CODES,
  ERROR_REASONS,
  HTTP_STATUS,
  isUserScope,
  KeyholeError,
  MEETING_STATES,
  SCOPE_INFO,
  SCOPES,
  USER_ROLES,
  USER_STATUSES,
} from '../src/index';

describe('scopes', () => {
  it('labels follow the product note, en dash included', () => {
    expect(SCOPES.map((s) => SCOPE_INFO[s].label)).toEqual([
      'User – limited access',
      'User – full access',
      'Organization – limited access',
      'Organization – full access',
      'Legacy',
    ]);
    expect(SCOPE_INFO.user_limited.bestFor).toBe('Tools that should never receive private recordings.');
    expect(SCOPE_INFO.org_limited.description).toBe(
      'All non-private meetings across the org. Private meetings are excluded.',
    );
  });

  it('scope facts are consistent', () => {
    for (const s of SCOPES) {
      expect(SCOPE_INFO[s].scope).toBe(s);
      expect(SCOPE_INFO[s].tiedToUser).toBe(isUserScope(s));
    }
    expect(SCOPES.map((s) => SCOPE_INFO[s].includesPrivate)).toEqual([
      'never',
      'own',
      'never',
      'by_setting',
      'always',
    ]);
    expect(CREATABLE_SCOPES).not.toContain('legacy');
  });
});

describe('domain lists', () => {
  it('match the SPEC', () => {
    expect(MEETING_STATES).toEqual(['scheduled', 'in_progress', 'completed', 'cancelled']);
    expect(USER_ROLES).toEqual(['admin', 'member']);
    expect(USER_STATUSES).toEqual(['active', 'deactivated']);
    // SPEC §3 "Audit", in its order.
    expect(AUDIT_ACTIONS).toEqual([
      'key.created',
      'key.renamed',
      'key.regenerated',
      'key.revealed',
      'key.revoked',
      'key.legacy_imported',
      'member.added',
      'member.role_changed',
      'member.status_changed',
      'member.password_changed',
      'org.settings_updated',
      'auth.signed_up',
      'auth.signed_in',
      'auth.sign_in_failed',
      'auth.password_confirmed',
      'auth.password_confirm_failed',
      'key.leaked',
      'webhook.subscribed',
      'webhook.unsubscribed',
      'webhook.disabled',
      'webhook.enabled',
      'webhook.deleted',
    ]);
  });
});

describe('errors', () => {
  it('maps every code to the SPEC HTTP status', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    expect(HTTP_STATUS).toMatchObject({
      BAD_REQUEST: 400,
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      CONFLICT: 409,
      PRECONDITION_FAILED: 412,
      TOO_MANY_REQUESTS: 429,
      PARSE_ERROR: 400,
      METHOD_NOT_SUPPORTED: 405,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
    });
    expect(ERROR_REASONS).toContain('key_user_deactivated');
  });

  it('KeyholeError takes a reason directly or in options', () => {
    const a = new KeyholeError('FORBIDDEN', 'Copying keys is turned off', 'reveal_disabled');
    const b = new KeyholeError('FORBIDDEN', 'Copying keys is turned off', { reason: 'reveal_disabled' });
    const c = new KeyholeError('NOT_FOUND', 'Key not found');
    for (const e of [a, b]) {
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe('KeyholeError');
      expect(e.code).toBe('FORBIDDEN');
      expect(e.reason).toBe('reveal_disabled');
      expect(e.httpStatus).toBe(403);
    }
    expect(c.reason).toBeUndefined();
  });
});
