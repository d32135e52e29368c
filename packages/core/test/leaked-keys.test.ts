import { describe, expect, it } from 'vitest';
import {
  classifyReportedToken,
  DEFAULT_LEAKED_KEY_ACTION,
  DEFAULT_ORG_SETTINGS,
  generateKey,
  LEAK_REPORT_LIMITS,
  LEAKED_KEY_ACTIONS,
} from '../src/index';

const flip = (s: string) => s.slice(0, -1) + (s.endsWith('a') ? 'b' : 'a');

describe('leaked keys (SPEC §12)', () => {
  it('names the setting and its default, and the report bounds', () => {
    expect(LEAKED_KEY_ACTIONS).toEqual(['revoke', 'notify']);
    expect(DEFAULT_LEAKED_KEY_ACTION).toBe('revoke');
    expect(DEFAULT_ORG_SETTINGS.leakedKeyAction).toBe('revoke');
    expect(LEAK_REPORT_LIMITS).toMatchObject({ maxTokens: 1000, maxBodyBytes: 1024 * 1024 });
  });

  it('a full key string or a secret alone goes to the look-up', () => {
    const k = generateKey();
    expect(classifyReportedToken(k.keyString)).toEqual({
      kind: 'key',
      clientKey: k.clientKey,
      secret: k.secret,
    });
    expect(classifyReportedToken(k.secret)).toEqual({ kind: 'secret', secret: k.secret });
    // Imported legacy strings keep their shape (dots and dashes, no prefix, no checksum).
    expect(classifyReportedToken('old-client.1:Old.Secret-9')).toEqual({
      kind: 'key',
      clientKey: 'old-client.1',
      secret: 'Old.Secret-9',
    });
    expect(classifyReportedToken('Old.Secret-9')).toEqual({ kind: 'secret', secret: 'Old.Secret-9' });
  });

  it('refuses without a look-up what cannot be a live key', () => {
    const k = generateKey();
    for (const token of [
      `${k.clientKey}:${flip(k.secret)}`, // checksum fails
      flip(k.secret),
      k.secret.slice(0, -1), // truncated
      `${k.clientKey}x:${k.secret}`, // client key of the wrong shape
      k.clientKey, // the public half alone
      '',
      'a b',
      'x'.repeat(513),
      `${k.keyString}\n`,
      'käse',
      ':secret',
    ]) {
      expect(classifyReportedToken(token), JSON.stringify(token)).toEqual({ kind: 'refused' });
    }
  });
});
