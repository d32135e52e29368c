import { type CreatableScope, SCOPE_INFO } from '@keyhole/core';
import type { AppDeps } from '../../deps';
import { inProcessActor, systemActor } from '../actor';
import { createKey } from '../keys/create-key';
import { importLegacyKey } from '../keys/import-legacy-key';
import type { DemoKey } from './demo-org';

/**
 * One demo key per scope, plus a legacy key, so every row of SPEC §2 can be tried with curl straight
 * after `pnpm start`. Their secrets are not printed (stdout may end up in logs): an admin copies them
 * from Settings → Organization → Developer, or with `keys.reveal`.
 */
const DEMO_KEYS: { name: string; scope: CreatableScope; issuedTo?: 'bea' }[] = [
  { name: 'Zapier – Bea (limited)', scope: 'user_limited', issuedTo: 'bea' },
  { name: 'Assistant – Bea (full)', scope: 'user_full', issuedTo: 'bea' },
  { name: 'BI dashboard', scope: 'org_limited' },
  { name: 'Central sync', scope: 'org_full' },
];
const DEMO_LEGACY_KEY_NAME = 'Old CRM integration';

/** The part of the demo seed the keys build on (demo-seed.ts passes it; no import back, no cycle). */
export interface DemoKeyOwners {
  orgId: string;
  users: { admin: { id: string; email: string }; bea: { id: string } };
}

export async function seedDemoKeys(deps: AppDeps, seed: DemoKeyOwners): Promise<DemoKey[]> {
  // Created in the demo admin's name (audited as them), with no request to re-check.
  const admin = inProcessActor(seed.orgId, seed.users.admin);
  const made: DemoKey[] = [];
  for (const k of DEMO_KEYS) {
    const { key } = await createKey(deps, admin, {
      name: k.name,
      scope: k.scope,
      issuedToUserId: k.issuedTo ? seed.users[k.issuedTo].id : null,
    });
    made.push({ id: key.id, name: key.name, scope: key.scope });
  }
  const { key } = await importLegacyKey(deps, systemActor(seed.orgId), { name: DEMO_LEGACY_KEY_NAME });
  made.push({ id: key.id, name: key.name, scope: key.scope });
  return made;
}

export function demoKeyLines(keys: DemoKey[]): string[] {
  if (keys.length === 0) return [];
  return [
    '  API keys (copy them as the admin from Settings → Organization → Developer):',
    ...keys.map(
      (k) => `    ${k.name.padEnd(26)}  ${SCOPE_INFO[k.scope as keyof typeof SCOPE_INFO]?.label ?? k.scope}`,
    ),
  ];
}
