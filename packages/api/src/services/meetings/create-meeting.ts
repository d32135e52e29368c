import { DEFAULT_MEETING_STATE } from '@keyhole/core';
import type { Authority } from '../../auth/authority';
import { lockActor } from '../../auth/lock-actor';
import { insertMeeting } from '../../db/meetings/store';
import type { AppDeps } from '../../deps';
import { mutationTransaction } from '../idempotency/mutation-transaction';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { loadVisibleMeetingView } from './load-meeting-views';
import type { CreateMeetingInput } from './meeting-inputs';
import { resolveAttendees } from './resolve-attendees';
import type { MeetingView } from './views';

export interface MeetingHost {
  id: string;
  orgId: string;
  email: string;
}

/**
 * A signed-in user records a meeting they host. Meetings are not audit events (SPEC §3 lists keys,
 * members, settings and sign-ins), and no key's authentication depends on them, so nothing is published.
 */
export async function createMeeting(
  deps: AppDeps,
  actor: { user: MeetingHost; authority: Authority },
  input: CreateMeetingInput,
  write?: IdempotentWrite,
): Promise<MeetingView> {
  const host = actor.user;
  const now = deps.clock.now();
  const state = input.state ?? DEFAULT_MEETING_STATE;
  return mutationTransaction(deps.db, write, async (tx) => {
    // The host's session, still live (not signed out, ended or deactivated since it was checked).
    await lockActor(tx, actor.authority, now);
    const attendees = await resolveAttendees(tx, host, input.attendees ?? []);
    const id = await insertMeeting(tx, {
      orgId: host.orgId,
      hostId: host.id,
      subject: input.subject,
      startAt: input.startAt,
      endAt: input.endAt,
      state,
      isPrivate: input.isPrivate ?? false,
      createdAt: now,
      completedAt: state === 'completed' ? now : null,
      attendees,
      transcript: input.transcript ?? null,
    });
    const view = await loadVisibleMeetingView(
      tx,
      { kind: 'user', orgId: host.orgId, userId: host.id, includeOwnPrivate: true },
      id,
    );
    if (!view) throw new Error('a meeting just created is not visible to its host');
    return view;
  });
}
