/**
 * The demo org: one admin and members whose meetings cover every visibility class of SPEC §2, so
 * each key scope shows a different list. The password is public on purpose (it is a demo, printed
 * at start-up and written in the README); it is hashed like any other.
 */
export const DEMO_ORG_NAME = 'Acme Demo';
export const DEMO_PASSWORD = 'keyhole-demo-password';

export const DEMO_USERS = {
  admin: { email: 'admin@acme.test', name: 'Ada Admin', role: 'admin', status: 'active' },
  bea: { email: 'bea@acme.test', name: 'Bea Berg', role: 'member', status: 'active' },
  carl: { email: 'carl@acme.test', name: 'Carl Chen', role: 'member', status: 'active' },
  dana: { email: 'dana@acme.test', name: 'Dana Diaz', role: 'member', status: 'active' },
  // A deactivated member: their sessions and user-scoped keys fail, which the demo can show.
  eve: { email: 'eve@acme.test', name: 'Eve Evans', role: 'member', status: 'deactivated' },
} as const;
export type DemoUser = keyof typeof DEMO_USERS;

export const DEMO_OUTSIDER = { email: 'pat@partner.example', name: 'Pat Partner' };

/** A key the demo seed made (its secret stays in the database). */
export interface DemoKey {
  id: string;
  name: string;
  scope: string;
}

/** What the seed made, so later seeds (demo keys, legacy key) can build on it. */
export interface DemoSeed {
  orgId: string;
  password: string;
  users: Record<DemoUser, { id: string; email: string; name: string }>;
  meetings: Record<string, string>;
  /** One key per scope and a legacy key (names and scopes; secrets stay in the database). */
  keys: DemoKey[];
}
