import type { Database } from '../../db';
import { orgUsersByLowerEmail } from '../../db/meetings/attendee-users';
import type { AttendeeRow } from '../../db/meetings/store';

export interface AttendeeInput {
  email: string;
  name?: string | undefined;
}

/**
 * Turns the attendee list a host typed into stored rows (SPEC §1): emails compared case-insensitively,
 * the host's own address dropped (a host is never their own attendee), duplicates collapsed to the
 * first mention, and each address linked to the org's user who owns it. A linked attendee carries the
 * user's own spelling of the address; a name left out becomes the user's name, or else the part of
 * the address before the "@". Users of other orgs stay outsiders (`userId: null`): nothing crosses orgs.
 */
export async function resolveAttendees(
  db: Database,
  host: { orgId: string; email: string },
  inputs: readonly AttendeeInput[],
): Promise<AttendeeRow[]> {
  const hostEmail = host.email.toLowerCase();
  const wanted = new Map<string, { email: string; name: string | undefined }>();
  for (const a of inputs) {
    const lower = a.email.toLowerCase();
    if (lower === hostEmail) continue;
    const seen = wanted.get(lower);
    if (!seen) wanted.set(lower, { email: a.email, name: a.name });
    else if (seen.name === undefined) seen.name = a.name;
  }
  if (wanted.size === 0) return [];

  const members = await orgUsersByLowerEmail(db, host.orgId, [...wanted.keys()]);
  const byEmail = new Map(members.map((u) => [u.email.toLowerCase(), u]));

  return [...wanted].map(([lower, a]) => {
    const user = byEmail.get(lower);
    return {
      email: user ? user.email : a.email,
      name: a.name ?? user?.name ?? a.email.slice(0, a.email.lastIndexOf('@')),
      userId: user ? user.id : null,
    };
  });
}
