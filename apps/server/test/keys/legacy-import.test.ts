import { systemActor } from '@keyhole/api/internal/services/actor';
import { importLegacyKey } from '@keyhole/api/internal/services/keys/import-legacy-key';
import { generateKey } from '@keyhole/core';
import { expectKeyholeError, expectTrpcError } from '@keyhole/testing/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyRequest } from '../support/keys';
import { createTestApp, type TestApp } from '../support/test-app';
import { auditFor, expectNoSecretsIn, newOrgWithAdmin } from './key-test-helpers';

let app: TestApp;
const minted = new Set<string>();

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

const whoami = (keyString: string) => app.caller(keyRequest(keyString)).whoami();

describe('importLegacyKey', () => {
  it('mints a Keyhole-shaped legacy key that works, is listed as legacy and is read-only', async () => {
    const { org, caller } = await newOrgWithAdmin(app);
    const { key, secret } = await importLegacyKey(app.deps, systemActor(org.id), {
      name: ' Old integration ',
    });
    minted.add(secret);
    expect(secret).toMatch(/^kh_[0-9A-Za-z]{22}:khs_[0-9A-Za-z]{49}$/);
    expect(key).toMatchObject({
      name: 'Old integration',
      scope: 'legacy',
      isLegacy: true,
      issuedTo: null,
      createdBy: null,
      expiresAt: null,
      rateLimitPerMinute: null,
    });
    expect(await whoami(secret)).toEqual({
      key: { id: key.id, name: 'Old integration', scope: 'legacy', clientKey: key.clientKey },
      org: { id: org.id, name: org.name },
      issuedTo: null,
    });
    expect((await caller.keys.list()).keys).toEqual([{ ...key, lastUsedAt: app.clock.now().toISOString() }]);
    await expectTrpcError(
      caller.keys.rename({ id: key.id, name: 'x' }),
      'PRECONDITION_FAILED',
      'legacy_read_only',
    );
    await expectTrpcError(caller.keys.regenerate({ id: key.id }), 'PRECONDITION_FAILED', 'legacy_read_only');
    expect(await caller.keys.reveal({ id: key.id })).toEqual({ secret });
    const [event] = await auditFor(app, org.id, 'key.legacy_imported');
    expect(event).toMatchObject({
      actorType: 'system',
      actorId: null,
      targetId: key.id,
      targetName: 'Old integration',
      details: { clientKey: key.clientKey, minted: true },
    });
    expectNoSecretsIn(JSON.stringify(event), [secret]);
  });

  it.each([
    ['dots and dashes', 'acme-live.v2:9f8e7d6c-5b4a.3210_zz'],
    ['underscores only', 'LEGACYCLIENT_01:legacysecret_0123456789'],
    ['short', 'a:b'],
  ])(
    'imports a foreign key string (%s): it works without a checksum and is read-only',
    async (_n, foreign) => {
      const { org, caller } = await newOrgWithAdmin(app);
      minted.add(foreign);
      const { key, secret } = await importLegacyKey(app.deps, systemActor(org.id), {
        name: 'Foreign',
        keyString: foreign,
      });
      expect(secret).toBe(foreign);
      expect(key.clientKey).toBe(foreign.split(':')[0]);
      expect((await whoami(foreign)).key).toMatchObject({ id: key.id, scope: 'legacy' });
      const basic = `Basic ${Buffer.from(foreign).toString('base64')}`;
      expect((await app.caller({ authorization: basic }).whoami()).key.id).toBe(key.id);
      await expectTrpcError(
        caller.keys.rename({ id: key.id, name: 'x' }),
        'PRECONDITION_FAILED',
        'legacy_read_only',
      );
      await expectTrpcError(whoami(`${foreign}x`), 'UNAUTHORIZED', 'invalid_key');
      const [event] = await auditFor(app, org.id, 'key.legacy_imported');
      expect(event!.details).toEqual({ clientKey: key.clientKey, minted: false });
      await caller.keys.revoke({ id: key.id });
      await expectTrpcError(whoami(foreign), 'UNAUTHORIZED', 'invalid_key');
    },
  );

  it('imports an existing Keyhole key string as it is', async () => {
    const { org } = await newOrgWithAdmin(app);
    const { keyString } = generateKey();
    minted.add(keyString);
    await importLegacyKey(app.deps, systemActor(org.id), { name: 'Moved', keyString });
    expect((await whoami(keyString)).key.scope).toBe('legacy');
  });

  it('refuses malformed strings, broken Keyhole-prefixed keys, taken client keys, unknown orgs and bad names', async () => {
    const { org } = await newOrgWithAdmin(app);
    const { clientKey, secret } = generateKey();
    for (const keyString of [
      'nocolon',
      'a:b:c',
      'has space:x',
      'a:b/c',
      ':x',
      'x:',
      `${'a'.repeat(300)}:${'b'.repeat(300)}`,
    ]) {
      await expectKeyholeError(
        importLegacyKey(app.deps, systemActor(org.id), { name: 'x', keyString }),
        'BAD_REQUEST',
      );
    }
    // Keyhole's prefixes promise a checksum; a broken one would never authenticate.
    await expectKeyholeError(
      importLegacyKey(app.deps, systemActor(org.id), {
        name: 'x',
        keyString: `${clientKey}:${secret.slice(0, -1)}`,
      }),
      'BAD_REQUEST',
    );
    await expectKeyholeError(
      importLegacyKey(app.deps, systemActor(org.id), { name: 'x', keyString: `kh_short:whatever` }),
      'BAD_REQUEST',
    );
    minted.add('dup-client:first-secret');
    await importLegacyKey(app.deps, systemActor(org.id), {
      name: 'first',
      keyString: 'dup-client:first-secret',
    });
    await expectKeyholeError(
      importLegacyKey(app.deps, systemActor(org.id), { name: 'again', keyString: 'dup-client:other-secret' }),
      'CONFLICT',
    );
    await expectKeyholeError(
      importLegacyKey(app.deps, systemActor('00000000-0000-4000-8000-000000000000'), { name: 'x' }),
      'NOT_FOUND',
    );
    await expectKeyholeError(
      importLegacyKey(app.deps, systemActor('not-an-org'), { name: 'x' }),
      'NOT_FOUND',
    );
    await expectKeyholeError(importLegacyKey(app.deps, systemActor(org.id), { name: '   ' }), 'BAD_REQUEST');
    await expectKeyholeError(
      importLegacyKey(app.deps, systemActor(org.id), { name: 'x'.repeat(101) }),
      'BAD_REQUEST',
    );
  });

  it('no log line holds a secret minted or imported here', () => {
    expectNoSecretsIn(app.logs.text(), minted);
  });
});
