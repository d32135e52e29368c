import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { parseAttendees } from '../lib/attendees';
import { localInputToIso, toLocalInput } from '../lib/format';
import { useTRPC } from '../lib/trpc';
import { Field } from '../ui/field';
import { Modal } from '../ui/modal';
import { ErrorMessage } from '../ui/status';
import { useToast } from '../ui/toasts';

function nextHalfHour(): Date {
  const d = new Date();
  d.setSeconds(0, 0);
  d.setMinutes(d.getMinutes() < 30 ? 30 : 60);
  return d;
}

export function CreateMeetingDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const attendeesId = useId();
  const start = nextHalfHour();
  const [form, setForm] = useState({
    subject: '',
    startAt: toLocalInput(start),
    endAt: toLocalInput(new Date(start.getTime() + 30 * 60_000)),
    attendees: '',
    isPrivate: false,
  });
  const create = useMutation(
    trpc.meetings.create.mutationOptions({
      onSuccess: async (meeting) => {
        await queryClient.invalidateQueries(trpc.meetings.list.pathFilter());
        toast(`Meeting “${meeting.subject}” created.`);
        onClose();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      subject: form.subject,
      startAt: localInputToIso(form.startAt),
      endAt: localInputToIso(form.endAt),
      isPrivate: form.isPrivate,
      attendees: parseAttendees(form.attendees),
    });
  };
  return (
    <Modal title="New meeting" onClose={onClose} busy={create.isPending}>
      <form className="form" onSubmit={submit}>
        <ErrorMessage error={create.error} />
        <Field
          label="Subject"
          required
          maxLength={300}
          value={form.subject}
          onChange={(e) => setForm({ ...form, subject: e.target.value })}
        />
        <div className="form__row">
          <Field
            label="Starts"
            type="datetime-local"
            required
            value={form.startAt}
            onChange={(e) => setForm({ ...form, startAt: e.target.value })}
          />
          <Field
            label="Ends"
            type="datetime-local"
            required
            min={form.startAt}
            value={form.endAt}
            onChange={(e) => setForm({ ...form, endAt: e.target.value })}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={attendeesId}>
            Attendees <span className="muted">(optional)</span>
          </label>
          <textarea
            id={attendeesId}
            className="input"
            rows={3}
            aria-describedby={`${attendeesId}-hint`}
            placeholder={'bea@example.com\nCarl Diaz <carl@example.com>'}
            value={form.attendees}
            onChange={(e) => setForm({ ...form, attendees: e.target.value })}
          />
          <p className="field__hint" id={`${attendeesId}-hint`}>
            One email per line. Colleagues in your organization see the meeting unless it is private.
          </p>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={form.isPrivate}
            onChange={(e) => setForm({ ...form, isPrivate: e.target.checked })}
          />
          <span>
            Private
            <span className="checkbox__hint">
              Only you see it: attendees do not, and limited-access API keys never return it.
            </span>
          </span>
        </label>
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose} disabled={create.isPending}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create meeting'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
