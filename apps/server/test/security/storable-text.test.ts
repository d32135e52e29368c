import { apiKeys } from '@keyhole/api/internal/db/schema';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { importLegacyKey } from '@keyhole/api/internal/services/keys/import-legacy-key';
import { UNSTORABLE_TEXT_MESSAGE } from '@keyhole/core';
import { expectKeyholeError, expectTrpcError } from '@keyhole/testing/errors';
import { uniqueIp } from '@keyhole/testing/ips';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { PASSWORD, uniqueEmail } from '../accounts/account-helpers';
import { newOrgWithAdmin } from '../keys/key-test-helpers';
import { createTestApp, type TestApp } from '../support/test-app';
import { tableFingerprint } from './db-fingerprint';
import { expectNoSecretsLeaked } from './secret-hygiene';

/**
 * NUL and unpaired UTF-16 surrogates in account, member and key names were 500s from PostgreSQL
 * (text refuses NUL; jsonb refuses both), and a lone surrogate in a name was silently stored as
 * U+FFFD. They are now 400s naming the field, through core's `isStorableText`, and nothing is written.
 */

let app: TestApp;
const minted = new Set<string>();

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.close();
});

const UNSTORABLE = ['a\u0000b', '\u0000', 'name \ud800', '\udc00 name', '🔑'.slice(0, 1)];

async function refusedNaming(field: string, call: () => Promise<unknown>) {
  const before = await tableFingerprint(app);
  const err = await expectTrpcError(call(), 'BAD_REQUEST');
  expect(err.cause).toBeInstanceOf(ZodError);
  expect((err.cause as ZodError).issues).toContainEqual(
    expect.objectContaining({ path: [field], message: UNSTORABLE_TEXT_MESSAGE }),
  );
  expect(await tableFingerprint(app)).toEqual(before);
}

describe('text that PostgreSQL cannot store is BAD_REQUEST naming the field, and writes nothing', () => {
  it.each(UNSTORABLE)('auth.signUp orgName and name: %j', async (bad) => {
    const base = { orgName: 'Org', name: 'Person', email: uniqueEmail(), password: PASSWORD };
    await refusedNaming('orgName', () =>
      app.caller({ ip: uniqueIp() }).auth.signUp({ ...base, orgName: bad }),
    );
    await refusedNaming('name', () => app.caller({ ip: uniqueIp() }).auth.signUp({ ...base, name: bad }));
  });

  it.each(UNSTORABLE)('auth.signIn email: %j', async (bad) => {
    await refusedNaming('email', () =>
      app.caller({ ip: uniqueIp() }).auth.signIn({ email: bad, password: PASSWORD }),
    );
  });

  it.each(UNSTORABLE)('members.add name: %j', async (bad) => {
    const { caller } = await newOrgWithAdmin(app);
    await refusedNaming('name', () =>
      caller.members.add({ email: uniqueEmail(), name: bad, role: 'member', password: PASSWORD }),
    );
  });

  it.each(UNSTORABLE)('keys.create and keys.rename name: %j', async (bad) => {
    const { caller } = await newOrgWithAdmin(app);
    await refusedNaming('name', () => caller.keys.create({ name: bad, scope: 'org_full' }));
    const { key, secret } = await caller.keys.create({ name: 'fine', scope: 'org_full' });
    minted.add(secret);
    await refusedNaming('name', () => caller.keys.rename({ id: key.id, name: bad }));
    const [row] = await app.deps.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row!.name).toBe('fine');
  });

  it('legacy import (the CLI path, no zod in front) refuses them in core', async () => {
    const { org } = await newOrgWithAdmin(app);
    for (const bad of UNSTORABLE) {
      const err = await expectKeyholeError(
        importLegacyKey(app.deps, systemActor(org.id), { name: bad }),
        'BAD_REQUEST',
      );
      expect(err.message).toMatch(/^name must not contain NUL/);
    }
  });

  it('keeps accepting what is storable: emoji, accents, other scripts', async () => {
    const { caller } = await newOrgWithAdmin(app);
    const name = '🔑 Zapier – Équipe 会議';
    const { key, secret } = await caller.keys.create({ name, scope: 'org_full' });
    minted.add(secret);
    expect(key.name).toBe(name);
    const member = await caller.members.add({
      email: uniqueEmail(),
      name,
      role: 'member',
      password: PASSWORD,
    });
    expect(member.name).toBe(name);
    const signedUp = await app
      .caller({ ip: uniqueIp() })
      .auth.signUp({ orgName: name, name, email: uniqueEmail(), password: PASSWORD });
    expect(signedUp.org.name).toBe(name);
  });
});

describe('secret hygiene of this file', () => {
  it('no key string or password in any log line, audit row or table', async () => {
    await expectNoSecretsLeaked({
      database: app.database,
      texts: { log: app.logs.lines },
      secrets: minted,
      passwords: [PASSWORD],
    });
  });
});
