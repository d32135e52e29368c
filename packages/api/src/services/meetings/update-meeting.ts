import { KeyholeError, type MeetingAccess, type MeetingState, meetingEventsFor } from '@keyhole/core';
import { selectAttendeeRows } from '../../db/meetings/attendee-rows';
import { lockVisibleMeeting } from '../../db/meetings/lock-meeting';
import { updateMeetingRow } from '../../db/meetings/store';
import type { AppDeps } from '../../deps';
import type { SessionActor } from '../actor';
import { audited } from '../audited';
import type { IdempotentWrite } from '../idempotency/run-idempotent';
import { recordMeetingEvents } from '../webhooks/record-meeting-events';
import { meetingHost } from './create-meeting';
import { loadVisibleMeetingView } from './load-visible-meeting';
import { meetingNotFound } from './not-found';
import { type AttendeeInput, resolveAttendees } from './resolve-attendees';
import type { MeetingView, TranscriptSegmentView } from './views';

/** What may change once a meeting exists; a field left out stays as it is. */
export interface UpdateMeetingInput {
  id: string;
  subject?: string;
  isPrivate?: boolean;
  state?: MeetingState;
  attendees?: AttendeeInput[];
  /** Replaces the whole transcript; an empty list removes it. */
  transcript?: TranscriptSegmentView[];
}

/**
 * The host changes their meeting. A meeting the caller cannot see is NOT_FOUND like any other; one
 * they can see but do not host is FORBIDDEN `host_only`. Attendees are matched against the org's
 * users again on every update (SPEC §1), so an address that has since become a member gets linked.
 * `completedAt` is set the first time the state becomes completed and never cleared.
 */
export async function updateMeeting(
  deps: AppDeps,
  actor: SessionActor,
  input: UpdateMeetingInput,
  write?: IdempotentWrite,
): Promise<MeetingView> {
  const host = meetingHost(actor);
  // What a session sees (core's meetingAccessFor: the org's settings only matter to org_full keys).
  const access: MeetingAccess = { kind: 'user', orgId: host.orgId, userId: host.id, includeOwnPrivate: true };
  let deliveries = 0;
  const updated = await audited(
    deps,
    actor,
    async (tx, _audit, { now }) => {
      // FOR UPDATE: two updates of one meeting apply one after the other, never interleaved.
      const current = await lockVisibleMeeting(tx, access, input.id);
      if (!current) throw meetingNotFound();
      if (current.hostId !== actor.user.id) {
        throw new KeyholeError('FORBIDDEN', 'Only the meeting host can change this meeting.', 'host_only');
      }

      const existing = await selectAttendeeRows(tx, current.id);
      const attendees = await resolveAttendees(tx, host, input.attendees ?? existing);
      const relinked =
        attendees.length !== existing.length ||
        attendees.some((a, i) => a.userId !== existing[i]!.userId || a.email !== existing[i]!.email);

      const state = input.state ?? current.state;
      const completedAt = current.completedAt ?? (state === 'completed' ? now : null);
      await updateMeetingRow(tx, {
        id: current.id,
        subject: input.subject ?? current.subject,
        state,
        isPrivate: input.isPrivate ?? current.isPrivate,
        updatedAt: now,
        completedAt,
        startAt: current.startAt,
        createdAt: current.createdAt,
        ...(input.attendees !== undefined || relinked ? { attendees } : {}),
        ...(input.transcript !== undefined ? { transcript: input.transcript } : {}),
      });
      const view = await loadVisibleMeetingView(tx, access, current.id);
      if (!view) throw new Error('a meeting just updated is not visible to its host');
      deliveries = await recordMeetingEvents(deps, tx, {
        orgId: host.orgId,
        meetingId: current.id,
        types: meetingEventsFor({
          created: false,
          completedNow: current.completedAt === null && completedAt !== null,
        }),
        at: now,
      });
      return view;
    },
    { write },
  );
  if (deliveries > 0) deps.jobs.wake();
  return updated;
}
