import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { formatDuration, formatRange } from '../lib/format';
import { usePagedList } from '../lib/paged-list';
import { type Me, type Meeting, useTRPC, useTRPCClient } from '../lib/trpc';
import { LoadMore } from '../ui/load-more';
import { PageHeader } from '../ui/page-header';
import { EmptyState, ErrorMessage, Loading } from '../ui/status';
import { useToast } from '../ui/toasts';
import { CreateMeetingDialog } from './create-meeting-dialog';

const PAGE_SIZE = 20;

const STATE_LABELS: Record<Meeting['state'], string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

export function MeetingsPage({ me }: { me: Me }) {
  const trpc = useTRPC();
  const [creating, setCreating] = useState(false);
  const client = useTRPCClient();
  const input = { limit: PAGE_SIZE };
  const { query: meetings, items } = usePagedList(trpc.meetings.list.infiniteQueryKey(input), (cursor) =>
    client.meetings.list.query({ ...input, ...(cursor ? { cursor } : {}) }),
  );
  return (
    <>
      <PageHeader
        title="My meetings"
        description="Meetings you host or attend, latest first. Private meetings are visible to their host alone."
        actions={
          <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
            New meeting
          </button>
        }
      />
      {meetings.isPending ? <Loading label="Loading meetings…" /> : null}
      {meetings.isError ? <ErrorMessage error={meetings.error} title="Could not load meetings." /> : null}
      {meetings.isSuccess && items.length === 0 ? (
        <EmptyState title="No meetings yet">
          <p>Create a meeting, or ask a colleague to add you as an attendee.</p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <ul className="meeting-list" aria-label="Meetings">
          {items.map((m) => (
            <MeetingItem key={m.id} meeting={m} me={me} />
          ))}
        </ul>
      ) : null}
      <LoadMore query={meetings} label="Load more meetings" />
      {meetings.isFetchNextPageError ? <ErrorMessage error={meetings.error} /> : null}
      {creating ? <CreateMeetingDialog onClose={() => setCreating(false)} /> : null}
    </>
  );
}

function MeetingItem({ meeting, me }: { meeting: Meeting; me: Me }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const isHost = meeting.host.id === me.user.id;
  const update = useMutation(
    trpc.meetings.update.mutationOptions({
      onSuccess: async (updated) => {
        await queryClient.invalidateQueries(trpc.meetings.list.pathFilter());
        toast(`“${updated.subject}” is now ${updated.isPrivate ? 'private' : 'not private'}.`);
      },
    }),
  );
  const attendees = meeting.attendees.map((a) => a.name || a.email);
  return (
    <li className="meeting">
      <div className="meeting__main">
        <h2 className="meeting__subject">
          {meeting.subject}
          {meeting.isPrivate ? <span className="badge badge--private">Private</span> : null}
        </h2>
        <p className="meeting__meta">
          <span>{formatRange(meeting.startAt, meeting.endAt)}</span>
          <span>{formatDuration(meeting.durationSeconds)}</span>
          <span className={`state state--${meeting.state}`}>{STATE_LABELS[meeting.state]}</span>
        </p>
        <p className="meeting__people">
          Host: {isHost ? 'You' : `${meeting.host.name}`}
          {attendees.length > 0 ? ` · Attendees: ${attendees.join(', ')}` : ' · No other attendees'}
        </p>
        <ErrorMessage error={update.error} />
      </div>
      <div className="meeting__actions">
        {isHost ? (
          <button
            type="button"
            className="button button--small"
            disabled={update.isPending}
            onClick={() => update.mutate({ id: meeting.id, isPrivate: !meeting.isPrivate })}
            aria-label={`${meeting.isPrivate ? 'Mark not private' : 'Mark private'}: ${meeting.subject}`}
          >
            {update.isPending ? 'Saving…' : meeting.isPrivate ? 'Mark not private' : 'Mark private'}
          </button>
        ) : (
          <span className="muted">Only the host can change it</span>
        )}
      </div>
    </li>
  );
}
