import { MEETING_SUBJECT_MAX_LENGTH } from '@keyhole/core';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { parseAttendees } from '../lib/attendees';
import { formEditor, useFieldErrors } from '../lib/field-errors';
import { localInputToIso, toLocalInput } from '../lib/format';
import { useIdempotentMutation } from '../lib/idempotent-mutation';
import { textFieldBinder } from '../lib/text-field';
import { type Meeting, type RouterInputs, useTRPC, useTRPCClient } from '../lib/trpc';
import { describedBy, Field, FieldError } from '../ui/field';
import { FormDialog, type FormDialogText } from '../ui/form-dialog';
import { useToast } from '../ui/toasts';

function nextHalfHour(): Date {
  const d = new Date();
  d.setSeconds(0, 0);
  d.setMinutes(d.getMinutes() < 30 ? 30 : 60);
  return d;
}

// The inputs shown with their own message; anything else shows above the form.
const FIELDS = ['subject', 'startAt', 'endAt', 'attendees'] as const;

const TEXT: FormDialogText = {
  title: 'New meeting',
  failed: 'The meeting was not created.',
  submit: 'Create meeting',
  busy: 'Creating…',
};

export function CreateMeetingDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
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
  const create = useIdempotentMutation<typeof form, RouterInputs['meetings']['create'], Meeting>(
    (input, opts) => client.meetings.create.mutate(input, opts),
    {
      onSuccess: async (meeting) => {
        await queryClient.invalidateQueries(trpc.meetings.list.pathFilter());
        toast(`Meeting “${meeting.subject}” created.`);
        onClose();
      },
    },
  );
  const errors = useFieldErrors(create.error, FIELDS);
  const edit = formEditor(setForm, errors);
  const text = textFieldBinder(form, errors, edit);
  const submit = () => {
    create.submit(form, () => ({
      subject: form.subject,
      startAt: localInputToIso(form.startAt),
      endAt: localInputToIso(form.endAt),
      isPrivate: form.isPrivate,
      attendees: parseAttendees(form.attendees),
    }));
  };
  const attendeesError = errors.at('attendees');
  return (
    <FormDialog text={TEXT} onClose={onClose} busy={create.isPending} onSubmit={submit} errors={errors}>
      <Field label="Subject" required maxLength={MEETING_SUBJECT_MAX_LENGTH} {...text('subject')} />
      <div className="form__row">
        <Field label="Starts" type="datetime-local" required {...text('startAt')} />
        <Field label="Ends" type="datetime-local" required min={form.startAt} {...text('endAt')} />
      </div>
      <div className="field">
        <label className="field__label" htmlFor={attendeesId}>
          Attendees <span className="muted">(optional)</span>
        </label>
        <textarea
          id={attendeesId}
          className="input"
          rows={3}
          aria-invalid={attendeesError ? true : undefined}
          aria-describedby={describedBy(attendeesError && `${attendeesId}-error`, `${attendeesId}-hint`)}
          placeholder={'bea@example.com\nCarl Diaz <carl@example.com>'}
          value={form.attendees}
          onChange={(e) => edit('attendees', e.target.value)}
        />
        <FieldError id={`${attendeesId}-error`} error={attendeesError} />
        <p className="field__hint" id={`${attendeesId}-hint`}>
          One email per line. Colleagues in your organization see the meeting unless it is private.
        </p>
      </div>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={form.isPrivate}
          onChange={(e) => edit('isPrivate', e.target.checked)}
        />
        <span>
          Private
          <span className="checkbox__hint">
            Only you see it: attendees do not, and limited-access API keys never return it.
          </span>
        </span>
      </label>
    </FormDialog>
  );
}
