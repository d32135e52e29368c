import { type CreatableScope, SCOPE_INFO } from '@keyhole/core';
import type { AppDeps } from '../../deps';
import { userActor } from '../audit/record-audit';
import { createKey } from '../keys/create-key';
import { importLegacyKey } from '../keys/import-legacy-key';
import type { DemoKey, DemoSeed, DemoUser } from './demo-org';

export type { DemoKey };

/**
 * One demo key per scope, plus a legacy key, so every row of SPEC §2 can be tried with curl straight
 * after `pnpm start`. Their secrets are not printed (stdout may end up in logs): an admin copies them
 * from Settings → Organization → Developer, or with `keys.reveal`.
 */
const DEMO_KEYS: { name: string; scope: CreatableScope; issuedTo?: DemoUser }[] = [
  { name: 'Zapier – Bea (limited)', scope: 'user_limited', issuedTo: 'bea' },
  { name: 'Assistant – Bea (full)', scope: 'user_full', issuedTo: 'bea' },
  { name: 'BI dashboard', scope: 'org_limited' },
  { name: 'Central sync', scope: 'org_full' },
];
const DEMO_LEGACY_KEY_NAME = 'Old CRM integration';

export async function seedDemoKeys(deps: AppDeps, seed: Omit<DemoSeed, 'keys'>): Promise<DemoKey[]> {
  const admin = seed.users.admin;
  const made: DemoKey[] = [];
  for (const k of DEMO_KEYS) {
    const { key } = await createKey(
      deps,
      { orgId: seed.orgId, actor: userActor(admin), origin: null },
      { name: k.name, scope: k.scope, issuedToUserId: k.issuedTo ? seed.users[k.issuedTo].id : null },
    );
    made.push({ id: key.id, name: key.name, scope: key.scope });
  }
  const { key } = await importLegacyKey(deps, { orgId: seed.orgId, name: DEMO_LEGACY_KEY_NAME });
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
