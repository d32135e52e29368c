import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../src/lib/format';
import { describeDetails, detailsText, personLabel } from '../src/pages/audit-details';

const BEA = '3f1c0a52-7d52-4b43-9a1e-6a1b7c1d2e3f';
const people = new Map([[BEA, { name: 'Bea Baker', email: 'bea@globex.test' }]]);

describe('audit details as people read them', () => {
  it('names scopes by label, people by name and email, times in the reader’s zone; leaves empty fields out', () => {
    const expiresAt = '2026-06-01T09:00:00.000Z';
    expect(
      describeDetails(
        'key.created',
        {
          scope: 'user_limited',
          clientKey: 'kh_abc',
          issuedToUserId: BEA,
          expiresAt,
          rateLimitPerMinute: 1200,
        },
        people,
      ),
    ).toEqual([
      { label: 'Scope', value: 'User – limited access' },
      { label: 'Client key', value: 'kh_abc' },
      { label: 'Issued to', value: 'Bea Baker (bea@globex.test)' },
      { label: 'Expires', value: formatDateTime(expiresAt) },
      { label: 'Rate limit', value: `${(1200).toLocaleString()} per minute` },
    ]);
    expect(
      describeDetails('key.created', { scope: 'org_full', issuedToUserId: null, expiresAt: null }, people),
    ).toEqual([{ label: 'Scope', value: 'Organization – full access' }]);
  });

  it('shows an unknown person by id, and unknown fields as they are', () => {
    expect(personLabel('gone-id', people)).toBe('gone-id');
    expect(describeDetails('key.created', { issuedToUserId: 'gone-id', extra: 3 }, people)).toEqual([
      { label: 'Issued to', value: 'gone-id' },
      { label: 'extra', value: '3' },
    ]);
  });

  it('words roles, statuses, sign-in failures, overlaps and settings changes', () => {
    expect(detailsText('member.role_changed', { from: 'member', to: 'admin' }, people)).toBe(
      'From: Member; To: Admin',
    );
    expect(detailsText('member.status_changed', { from: 'active', to: 'deactivated' }, people)).toBe(
      'From: Active; To: Deactivated',
    );
    expect(detailsText('auth.sign_in_failed', { reason: 'wrong_password' }, people)).toBe(
      'Reason: Wrong email or password',
    );
    expect(detailsText('auth.sign_in_failed', { reason: 'deactivated' }, people)).toBe(
      'Reason: Account deactivated',
    );
    expect(
      detailsText(
        'key.regenerated',
        { previousSecretValidForSeconds: 3600, previousSecretValidUntil: '2026-06-01T10:00:00.000Z' },
        people,
      ),
    ).toBe(`Old secret kept for: 1 h; Old secret valid until: ${formatDateTime('2026-06-01T10:00:00.000Z')}`);
    expect(
      detailsText(
        'key.regenerated',
        { previousSecretValidForSeconds: 0, previousSecretValidUntil: null },
        people,
      ),
    ).toBe('Old secret kept for: not kept');
    expect(
      detailsText(
        'org.settings_updated',
        {
          before: { orgFullKeysIncludePrivate: true, allowKeyReveal: true },
          after: { orgFullKeysIncludePrivate: true, allowKeyReveal: false },
        },
        people,
      ),
    ).toBe('Admins can copy existing keys: on → off');
    expect(describeDetails('key.revealed', {}, people)).toEqual([]);
    expect(detailsText('auth.password_confirm_failed', { reason: 'wrong_password' }, people)).toBe(
      'Reason: Wrong password',
    );
    expect(detailsText('auth.password_confirmed', { until: '2026-06-01T10:15:00.000Z' }, people)).toBe(
      `Key actions allowed until: ${formatDateTime('2026-06-01T10:15:00.000Z')}`,
    );
  });

  it('words a leak report: where it was found, in what, which secret, what Keyhole did', () => {
    const url = 'https://github.com/acme/scripts/blob/main/config.py#L3';
    expect(
      describeDetails(
        'key.leaked',
        // In jsonb's key order, as the API returns them.
        {
          url,
          which: 'current',
          action: 'revoked',
          source: 'content',
          clientKey: 'kh_abc',
          webhooksDisabled: 2,
        },
        people,
      ),
    ).toEqual([
      { label: 'Found at', value: url },
      { label: 'Found in', value: 'Repository content' },
      { label: 'Secret', value: 'Current secret' },
      { label: 'Action taken', value: 'Revoked at once' },
      { label: 'Client key', value: 'kh_abc' },
      { label: 'Webhooks turned off', value: '2' },
    ]);
    expect(
      detailsText(
        'key.leaked',
        {
          url,
          source: 'commit',
          which: 'current',
          clientKey: 'kh_abc',
          action: 'flagged',
          webhooksDisabled: 0,
        },
        people,
      ),
    ).toBe(
      `Found at: ${url}; Found in: Commit; Secret: Current secret; Action taken: Kept working and flagged; Client key: kh_abc; Webhooks turned off: 0`,
    );
    expect(
      detailsText(
        'key.leaked',
        { url: null, source: 'a new place', which: 'previous', action: 'overlap_ended' },
        people,
      ),
    ).toBe(
      'Found in: a new place; Secret: Previous secret (still in its regenerate overlap); Action taken: Previous secret’s overlap ended; the current secret keeps working',
    );
  });

  it('words the revoke a leak made, and the leaked-key setting changing', () => {
    expect(
      detailsText(
        'key.revoked',
        { scope: 'org_full', clientKey: 'kh_abc', reason: 'leaked', webhooksDisabled: 1 },
        people,
      ),
    ).toBe(
      'Scope: Organization – full access; Client key: kh_abc; Reason: Reported as published by a secret scanner; Webhooks turned off: 1',
    );
    expect(
      detailsText('key.revoked', { scope: 'org_full', clientKey: 'kh_abc', webhooksDeleted: 0 }, people),
    ).toBe('Scope: Organization – full access; Client key: kh_abc; Webhooks deleted: 0');
    expect(
      detailsText(
        'org.settings_updated',
        {
          before: { orgFullKeysIncludePrivate: true, allowKeyReveal: true, leakedKeyAction: 'revoke' },
          after: { orgFullKeysIncludePrivate: true, allowKeyReveal: true, leakedKeyAction: 'notify' },
        },
        people,
      ),
    ).toBe('When a scanner finds a key published: revoke it → keep it and warn');
  });
});
