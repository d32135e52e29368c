import {
  CREATABLE_SCOPES,
  type CreatableScope,
  isUserScope,
  KEY_NAME_MAX_LENGTH,
  RATE_LIMIT_MAX,
  RATE_LIMIT_MIN,
  SCOPE_INFO,
} from '@keyhole/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { localInputToIso, toLocalInput } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import { Field } from '../../ui/field';
import { type ListboxOption, ListboxSelect } from '../../ui/listbox-select';
import { Modal } from '../../ui/modal';
import { ErrorMessage, Loading } from '../../ui/status';
import { KeySecret } from './key-secret';

// Each scope with its label and "best for" text from core, as the product note words them.
const SCOPE_OPTIONS: ListboxOption<CreatableScope>[] = CREATABLE_SCOPES.map((s) => ({
  value: s,
  label: SCOPE_INFO[s].label,
  description: `Best for: ${SCOPE_INFO[s].bestFor}`,
}));

export function AddKeyDialog({ onClose, allowReveal }: { onClose: () => void; allowReveal: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ids = useId();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<CreatableScope>('user_limited');
  const [issuedTo, setIssuedTo] = useState('');
  const [expiresAt, setExpiresAt] = useState('');
  const [rateLimit, setRateLimit] = useState('');
  const userScope = isUserScope(scope);
  const members = useQuery({ ...trpc.members.list.queryOptions(), enabled: userScope });
  const activeMembers = members.data?.filter((m) => m.status === 'active') ?? [];
  const create = useMutation(
    trpc.keys.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.keys.list.queryFilter()),
    }),
  );
  const info = SCOPE_INFO[scope];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      name,
      scope,
      issuedToUserId: userScope ? issuedTo : null,
      expiresAt: expiresAt ? localInputToIso(expiresAt) : null,
      rateLimitPerMinute: rateLimit ? Number(rateLimit) : null,
    });
  };

  if (create.data) {
    const { key, secret } = create.data;
    return (
      <Modal title="API key created" onClose={onClose}>
        <p>
          <strong>{key.name}</strong> · {SCOPE_INFO[key.scope].label}
          {key.issuedTo ? ` · issued to ${key.issuedTo.name}` : ''}
        </p>
        <KeySecret
          secret={secret}
          note={
            allowReveal
              ? 'Copy the full key string and store it securely. Admins can copy it again later from the key list.'
              : 'Copy the full key string now and store it securely: it will not be shown again.'
          }
        />
        <div className="form__actions">
          <button type="button" className="button button--primary" onClick={onClose}>
            Done
          </button>
        </div>
      </Modal>
    );
  }

  return (
    <Modal title="Add API key" onClose={onClose} busy={create.isPending}>
      <form className="form" onSubmit={submit}>
        <ErrorMessage error={create.error} title="The key was not created." />
        <Field
          label="Name"
          required
          maxLength={KEY_NAME_MAX_LENGTH}
          value={name}
          onChange={(e) => setName(e.target.value)}
          hint="A descriptive label, e.g. “Zapier – CS Team” or “BI Dashboard Readonly”."
        />
        <div className="field">
          <span className="field__label" id={`${ids}-scope-label`}>
            Scope
          </span>
          <ListboxSelect
            labelId={`${ids}-scope-label`}
            value={scope}
            options={SCOPE_OPTIONS}
            onChange={setScope}
            describedBy={`${ids}-scope-info`}
          />
          <div className="scope-info" id={`${ids}-scope-info`}>
            <p>{info.description}</p>
            {scope === 'org_full' ? (
              <p className="scope-info__warning">
                This is the highest-privilege scope. Only issue it when the integration specifically requires
                access to private meetings. If you are unsure, start with Organization – limited access.
              </p>
            ) : null}
            <p className="muted">The scope cannot be changed after the key is created.</p>
          </div>
        </div>
        {userScope ? (
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-user`}>
              Issued to
            </label>
            {members.isPending ? <Loading label="Loading users…" /> : null}
            <ErrorMessage error={members.error} title="Could not load users." />
            {members.data ? (
              <select
                id={`${ids}-user`}
                className="input"
                required
                value={issuedTo}
                aria-describedby={`${ids}-user-hint`}
                onChange={(e) => setIssuedTo(e.target.value)}
              >
                <option value="">Choose a user…</option>
                {activeMembers.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name} ({m.email})
                  </option>
                ))}
              </select>
            ) : null}
            <p className="field__hint" id={`${ids}-user-hint`}>
              The key reads what this user can see{scope === 'user_limited' ? ', minus private meetings' : ''}
              . Only active users are listed; the user cannot be reassigned later.
            </p>
          </div>
        ) : null}
        <details className="advanced">
          <summary>Advanced</summary>
          <div className="advanced__body">
            <Field
              label="Expires"
              type="datetime-local"
              min={toLocalInput(new Date())}
              value={expiresAt}
              onChange={(e) => setExpiresAt(e.target.value)}
              hint="Optional. Leave empty for a key that does not expire."
            />
            <Field
              label="Rate limit (requests per minute)"
              type="number"
              inputMode="numeric"
              min={RATE_LIMIT_MIN}
              max={RATE_LIMIT_MAX}
              step={1}
              value={rateLimit}
              onChange={(e) => setRateLimit(e.target.value)}
              hint="Optional. Leave empty for the server default."
            />
          </div>
        </details>
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose} disabled={create.isPending}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
