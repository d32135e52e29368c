import { DEFAULT_MEETING_STATE, type MeetingState, meetingEventsFor } from '@keyhole/core';
import { insertMeeting } from '../../db/meetings/store';
import type { AppDeps } from '../../deps';
import type { SessionActor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { recordMeetingEvents } from '../webhooks/record-meeting-events';
import { loadVisibleMeetingView } from './load-visible-meeting';
import { type AttendeeInput, resolveAttendees } from './resolve-attendees';
import type { MeetingView, TranscriptSegmentView } from './views';

/** A new meeting as its host describes it; the router's schema has already bounded every field. */
export interface CreateMeetingInput {
  subject: string;
  startAt: Date;
  endAt: Date;
  isPrivate?: boolean;
  state?: MeetingState;
  attendees?: AttendeeInput[];
  transcript?: TranscriptSegmentView[];
}

export interface MeetingHost {
  id: string;
  orgId: string;
  email: string;
}

/** The signed-in user as the host of the meetings they create and change. */
export const meetingHost = (actor: SessionActor): MeetingHost => ({
  id: actor.user.id,
  orgId: actor.orgId,
  email: actor.user.email,
});

/**
 * A signed-in user records a meeting they host. Meetings are not audit events (SPEC §3 lists keys,
 * members, settings and sign-ins), and no key's authentication depends on them, so nothing is published.
 * Webhook subscribers hear of it through the outbox written in the same transaction.
 */
export async function createMeeting(
  deps: AppDeps,
  actor: SessionActor,
  input: CreateMeetingInput,
  write?: IdempotentWrite,
): Promise<MeetingView> {
  const host = meetingHost(actor);
  const state = input.state ?? DEFAULT_MEETING_STATE;
  let deliveries = 0;
  // The host's session, still live (not signed out, ended or deactivated since it was checked).
  const view = await audited(
    deps,
    actor,
    async (tx, _audit, { now }) => {
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
      deliveries = await recordMeetingEvents(deps, tx, {
        orgId: host.orgId,
        meetingId: id,
        types: meetingEventsFor({ created: true, completedNow: state === 'completed' }),
        at: now,
      });
      return view;
    },
    { write },
  );
  if (deliveries > 0) deps.jobs.wake();
  return view;
}
