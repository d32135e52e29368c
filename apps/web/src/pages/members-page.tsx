import { PERSON_NAME_MAX_LENGTH, USER_ROLES, type UserRole } from '@keyhole/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { formEditor, useFieldErrors } from '../lib/field-errors';
import { formatDate } from '../lib/format';
import { useIdempotentMutation } from '../lib/idempotent-mutation';
import { textFieldBinder } from '../lib/text-field';
import { type Me, type Member, type RouterInputs, useTRPC, useTRPCClient } from '../lib/trpc';
import { DataTable } from '../ui/data-table';
import { DialogFooter } from '../ui/dialog-footer';
import { Field } from '../ui/field';
import { FormDialog, type FormDialogText } from '../ui/form-dialog';
import { LoadStatus } from '../ui/load-status';
import { Modal } from '../ui/modal';
import { PageHeader } from '../ui/page-header';
import { NewPasswordField } from '../ui/password-field';
import { Person } from '../ui/person';
import { EmptyState, ErrorMessage } from '../ui/status';
import { useToast } from '../ui/toasts';

// The inputs shown with their own message; anything else (role is a fixed choice) shows above the form.
const ADD_FIELDS = ['name', 'email', 'password'] as const;

const ADD_TEXT: FormDialogText = {
  title: 'Add member',
  failed: 'The member was not added.',
  submit: 'Add member',
  busy: 'Adding…',
};

const ROLE_LABELS: Record<UserRole, string> = { admin: 'Admin', member: 'Member' };

const MEMBER_COLUMNS = ['Name', 'Role', 'Status', 'Added', <span className="visually-hidden">Actions</span>];

export function MembersPage({ me }: { me: Me }) {
  const trpc = useTRPC();
  const members = useQuery(trpc.members.list.queryOptions());
  const [adding, setAdding] = useState(false);
  return (
    <>
      <PageHeader
        title="Members"
        description={
          <p>
            Admins manage API keys, members and settings; members see their own meetings. Deactivating someone
            signs them out at once, and API keys issued to them fail until they are reactivated.
          </p>
        }
        actions={
          <button type="button" className="button button--primary" onClick={() => setAdding(true)}>
            Add member
          </button>
        }
      />
      <LoadStatus query={members} loading="Loading members…" failed="Could not load members." />
      {members.data?.length === 0 ? <EmptyState title="No members" /> : null}
      {members.data && members.data.length > 0 ? (
        <DataTable
          className="table--stack table--middle"
          caption={`Members of ${me.org.name}`}
          columns={MEMBER_COLUMNS}
        >
          {members.data.map((m) => (
            <MemberRow key={m.id} member={m} isSelf={m.id === me.user.id} />
          ))}
        </DataTable>
      ) : null}
      {adding ? <AddMemberDialog onClose={() => setAdding(false)} /> : null}
    </>
  );
}

function MemberRow({ member, isSelf }: { member: Member; isSelf: boolean }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [confirmDeactivate, setConfirmDeactivate] = useState(false);
  // Granting admin hands over keys, members and settings: it is asked first; taking it away is not.
  const [confirmAdmin, setConfirmAdmin] = useState(false);
  const refresh = async () => {
    await queryClient.invalidateQueries(trpc.members.list.queryFilter());
    // Key rows show the issued-to user's status.
    await queryClient.invalidateQueries(trpc.keys.list.queryFilter());
  };
  const setRole = useMutation(
    trpc.members.setRole.mutationOptions({
      onSuccess: async (u) => {
        await refresh();
        setConfirmAdmin(false);
        toast(`${u.name} is now ${ROLE_LABELS[u.role].toLowerCase()}.`);
        if (isSelf) await queryClient.invalidateQueries(trpc.auth.me.queryFilter());
      },
    }),
  );
  type StatusInput = RouterInputs['members']['setStatus'];
  const setStatus = useIdempotentMutation<StatusInput, StatusInput, Member>(
    (input, opts) => client.members.setStatus.mutate(input, opts),
    {
      onSuccess: async (u) => {
        await refresh();
        setConfirmDeactivate(false);
        toast(u.status === 'active' ? `${u.name} is reactivated.` : `${u.name} is deactivated.`);
      },
    },
  );
  const changeStatus = (input: StatusInput) => setStatus.submit(input, () => input);
  const active = member.status === 'active';
  const roleId = `role-${member.id}`;
  return (
    <tr className={active ? undefined : 'row--muted'}>
      <th scope="row">
        <Person person={member}>{isSelf ? <span className="badge">You</span> : null}</Person>
      </th>
      <td data-label="Role">
        <label className="visually-hidden" htmlFor={roleId}>
          Role of {member.name}
        </label>
        <select
          id={roleId}
          className="input input--small"
          value={member.role}
          disabled={setRole.isPending}
          onChange={(e) => {
            const role = e.target.value as UserRole;
            if (role === 'admin') setConfirmAdmin(true);
            else setRole.mutate({ userId: member.id, role });
          }}
        >
          {USER_ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </select>
        {!confirmAdmin ? <ErrorMessage error={setRole.error} /> : null}
        {confirmAdmin ? (
          <Modal
            title={`Make ${member.name} an admin?`}
            onClose={() => {
              setRole.reset();
              setConfirmAdmin(false);
            }}
            busy={setRole.isPending}
            alert
          >
            <p>
              Admins create, reveal and revoke API keys (including keys that read every meeting of the
              organization), add and deactivate members, change who is an admin, change the privacy settings
              and read the audit log.
            </p>
            <ErrorMessage error={setRole.error} />
            <DialogFooter
              onCancel={() => {
                setRole.reset();
                setConfirmAdmin(false);
              }}
              busy={setRole.isPending}
              text={{ submit: 'Make admin', busy: 'Saving…' }}
              onConfirm={() => setRole.mutate({ userId: member.id, role: 'admin' })}
            />
          </Modal>
        ) : null}
      </td>
      <td data-label="Status">
        <span className={`status status--${member.status}`}>{active ? 'Active' : 'Deactivated'}</span>
      </td>
      <td data-label="Added">{formatDate(member.createdAt)}</td>
      <td className="table__actions">
        {active ? (
          isSelf ? null : (
            <button
              type="button"
              className="button button--small"
              onClick={() => setConfirmDeactivate(true)}
              aria-label={`Deactivate ${member.name}`}
            >
              Deactivate
            </button>
          )
        ) : (
          <button
            type="button"
            className="button button--small"
            disabled={setStatus.isPending}
            onClick={() => changeStatus({ userId: member.id, status: 'active' })}
            aria-label={`Reactivate ${member.name}`}
          >
            {setStatus.isPending ? 'Reactivating…' : 'Reactivate'}
          </button>
        )}
        {!confirmDeactivate ? <ErrorMessage error={setStatus.error} /> : null}
        {confirmDeactivate ? (
          <Modal
            title={`Deactivate ${member.name}?`}
            onClose={() => {
              setStatus.reset();
              setConfirmDeactivate(false);
            }}
            busy={setStatus.isPending}
            alert
          >
            <p>
              {member.name} is signed out at once and cannot sign in. API keys issued to them fail until you
              reactivate them; the keys are kept.
            </p>
            <ErrorMessage error={setStatus.error} />
            <DialogFooter
              onCancel={() => setConfirmDeactivate(false)}
              busy={setStatus.isPending}
              text={{ submit: 'Deactivate', busy: 'Deactivating…' }}
              danger
              onConfirm={() => changeStatus({ userId: member.id, status: 'deactivated' })}
            />
          </Modal>
        ) : null}
      </td>
    </tr>
  );
}

function AddMemberDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [form, setForm] = useState({ name: '', email: '', role: 'member' as UserRole, password: '' });
  const add = useIdempotentMutation<typeof form, typeof form, Member>(
    (input, opts) => client.members.add.mutate(input, opts),
    {
      onSuccess: async (u) => {
        await queryClient.invalidateQueries(trpc.members.list.queryFilter());
        toast(`${u.name} added. Give them their first password; they can change it under Account.`);
        onClose();
      },
    },
  );
  const errors = useFieldErrors(add.error, ADD_FIELDS);
  const edit = formEditor(setForm, errors);
  const text = textFieldBinder(form, errors, edit);
  const submit = () => {
    add.submit(form, () => form);
  };
  return (
    <FormDialog text={ADD_TEXT} onClose={onClose} busy={add.isPending} onSubmit={submit} errors={errors}>
      <Field label="Name" required maxLength={PERSON_NAME_MAX_LENGTH} {...text('name')} />
      <Field label="Email" type="email" required {...text('email')} />
      <fieldset className="fieldset">
        <legend className="field__label">Role</legend>
        {USER_ROLES.map((r) => (
          <label key={r} className="radio">
            <input
              type="radio"
              name="role"
              value={r}
              checked={form.role === r}
              onChange={() => edit('role', r)}
            />
            <span>
              {ROLE_LABELS[r]}
              <span className="radio__hint">
                {r === 'admin'
                  ? 'Manages API keys, members, privacy settings and the audit log.'
                  : 'Sees their own meetings and those they attend.'}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      <NewPasswordField
        label="First password"
        advice="Share it with them privately; they can change it under Account."
        {...text('password')}
      />
    </FormDialog>
  );
}
