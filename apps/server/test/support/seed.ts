import { randomUUID } from 'node:crypto';
import type { Database } from '@keyhole/api/internal/db/create-database';
import { type AttendeeRow, insertMeeting } from '@keyhole/api/internal/db/meetings/store';
import { orgs, users } from '@keyhole/api/internal/db/schema';

/** Direct-to-database seed helpers for tests that need rows, not the API's behaviour. */

export async function seedOrg(
  db: Database,
  o: { name?: string; orgFullKeysIncludePrivate?: boolean; allowKeyReveal?: boolean } = {},
) {
  const [row] = await db
    .insert(orgs)
    .values({
      name: o.name ?? `Org ${randomUUID().slice(0, 8)}`,
      orgFullKeysIncludePrivate: o.orgFullKeysIncludePrivate ?? true,
      allowKeyReveal: o.allowKeyReveal ?? true,
    })
    .returning();
  return row!;
}

/** passwordHash '!' matches no password: such a user exists for visibility but cannot sign in. */
export async function seedUser(
  db: Database,
  u: {
    orgId: string;
    email?: string;
    name?: string;
    role?: 'admin' | 'member';
    status?: 'active' | 'deactivated';
    passwordHash?: string;
  },
) {
  const id = randomUUID();
  const [row] = await db
    .insert(users)
    .values({
      id,
      orgId: u.orgId,
      email: u.email ?? `user-${id.slice(0, 8)}@example.test`,
      name: u.name ?? `User ${id.slice(0, 4)}`,
      role: u.role ?? 'member',
      status: u.status ?? 'active',
      passwordHash: u.passwordHash ?? '!',
    })
    .returning();
  return row!;
}

/**
 * An org and its admin Ada, whose address is tagged with the org's id; `tag` is for the addresses of
 * the org's other users, so each suite's people are unique in a shared database.
 */
export async function seedOrgWithAdmin(db: Database, o: Parameters<typeof seedOrg>[1] = {}) {
  const org = await seedOrg(db, o);
  const tag = org.id.slice(0, 8);
  const admin = await seedUser(db, {
    orgId: org.id,
    role: 'admin',
    name: 'Ada',
    email: `ada-${tag}@example.test`,
  });
  return { org, tag, admin };
}

export async function seedMeeting(
  db: Database,
  m: {
    orgId: string;
    hostId: string;
    subject?: string;
    startAt?: Date;
    endAt?: Date;
    isPrivate?: boolean;
    state?: 'scheduled' | 'in_progress' | 'completed' | 'cancelled';
    createdAt?: Date;
    completedAt?: Date | null;
    attendees?: AttendeeRow[];
    transcript?: { speaker: string; startSeconds: number; endSeconds: number; text: string }[];
  },
) {
  const startAt = m.startAt ?? new Date('2026-01-10T10:00:00.000Z');
  const state = m.state ?? 'scheduled';
  const createdAt = m.createdAt ?? new Date('2026-01-01T00:00:00.000Z');
  return insertMeeting(db, {
    orgId: m.orgId,
    hostId: m.hostId,
    subject: m.subject ?? 'Meeting',
    startAt,
    endAt: m.endAt ?? new Date(startAt.getTime() + 30 * 60_000),
    isPrivate: m.isPrivate ?? false,
    state,
    createdAt,
    completedAt: m.completedAt !== undefined ? m.completedAt : state === 'completed' ? createdAt : null,
    attendees: m.attendees ?? [],
    transcript: m.transcript ?? null,
  });
}
