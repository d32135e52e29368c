import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, type ApiUser, KeyholeServer, rawWhoami } from './support/keyhole-server';
import { authView, type KeyholeZapierApp, loadApp, zapierError, zapierRunner } from './support/zapier-app';

/**
 * Connecting a Keyhole account in Zapier: only a User – limited access key passes the connection test,
 * every other scope is refused with a message that says which key to create instead.
 */
let keyhole: KeyholeServer;
let app: KeyholeZapierApp;
let zapier: ReturnType<typeof zapierRunner>;
let admin: Admin;
let mo: ApiUser;

beforeAll(async () => {
  keyhole = await KeyholeServer.start();
  app = await loadApp();
  zapier = zapierRunner(app);
  admin = await keyhole.signUpOrg('Acme');
  mo = await admin.addMember('Mo');
});
afterAll(async () => {
  await keyhole?.stop();
});

describe('the API key field', () => {
  it('is one required password field whose help text links to where admins create the key', () => {
    const auth = authView(app);
    expect(auth.type).toBe('custom');
    expect(auth.fields).toHaveLength(1);
    const [field] = auth.fields;
    expect(field).toMatchObject({ key: 'apiKey', type: 'password', required: true });
    expect(field!.helpText).toContain('User – limited access');
    expect(field!.helpText).toContain(
      `[Settings → Organization → Developer](${keyhole.url}/settings/organization/developer)`,
    );
  });
});

describe('the connection test', () => {
  it('passes with a User – limited access key, in one whoami request', async () => {
    const { key, secret } = await admin.createKey({
      name: 'Zapier – Sales',
      scope: 'user_limited',
      issuedToUserId: mo.id,
    });
    const { result, requests } = await keyhole.observe(() => zapier.testAuth(secret));
    expect(result).toEqual({
      key: { id: key.id, name: 'Zapier – Sales', scope: 'user_limited', clientKey: key.clientKey },
      org: { id: admin.org.id, name: 'Acme' },
      issuedTo: { id: mo.id, name: 'Mo', email: mo.email },
    });
    expect(requests).toEqual([expect.objectContaining({ method: 'GET', path: '/trpc/whoami', status: 200 })]);
  });

  it('labels the connection with the key user’s email and the key’s name, never the secret', async () => {
    const { secret } = await admin.createKey({
      name: 'Zapier – Support',
      scope: 'user_limited',
      issuedToUserId: mo.id,
    });
    const testResult = await zapier.testAuth(secret);
    const label = await zapier.connectionLabel(secret, testResult);
    expect(label).toBe(`${mo.email} (Zapier – Support)`);
    const [clientKey, clientSecret] = secret.split(':');
    expect(label).not.toContain(clientSecret);
    expect(label).not.toContain(clientKey);
  });

  const otherScopes = [
    { scope: 'user_full', label: 'User – full access', article: 'a' },
    { scope: 'org_limited', label: 'Organization – limited access', article: 'an' },
    { scope: 'org_full', label: 'Organization – full access', article: 'an' },
    { scope: 'legacy', label: 'Legacy', article: 'a' },
  ] as const;

  it.each(otherScopes)(
    'refuses a $label key, naming its scope and how to create the right one',
    async ({ scope, label, article }) => {
      const { secret } =
        scope === 'legacy'
          ? await keyhole.mintLegacyKey(admin.org.id)
          : await admin.createKey({
              name: `A ${scope} key`,
              scope,
              ...(scope === 'user_full' ? { issuedToUserId: mo.id } : {}),
            });
      const err = zapierError(await zapier.testAuth(secret).catch((e: unknown) => e));
      expect(err.name).toBe('AppError');
      expect(err.json).toMatchObject({ code: 'wrong_key_scope', status: 403 });
      const message = String(err.json?.message);
      expect(message).toContain(
        `This is ${article} “${label}” key, but Zapier needs a “User – limited access” key.`,
      );
      expect(message).toContain(
        `Settings → Organization → Developer (${keyhole.url}/settings/organization/developer)`,
      );
      expect(message).toContain('Add API key, scope “User – limited access”, issued to you');
      expect(message).not.toContain(secret);
    },
  );

  it('fails with the API’s own message, asking to reconnect, for a key the API does not know', async () => {
    const { key, secret } = await admin.createKey({
      name: 'Soon revoked',
      scope: 'user_limited',
      issuedToUserId: mo.id,
    });
    await admin.revokeKey(key.id);
    const api = await rawWhoami(keyhole, secret);
    expect(api.status).toBe(401);
    const err = zapierError(await zapier.testAuth(secret).catch((e: unknown) => e));
    expect(err.name).toBe('ExpiredAuthError');
    expect(err.summary).toBe(api.error!.message);
  });
});
