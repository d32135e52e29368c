import {
  CREATABLE_SCOPES,
  type CreatableScope,
  isUserScope,
  KEY_NAME_MAX_LENGTH,
  RATE_LIMIT_MAX,
  RATE_LIMIT_MIN,
  SCOPE_INFO,
} from '@keyhole/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useFieldErrors } from '../../lib/field-errors';
import { formatDateTime } from '../../lib/format';
import { useIdempotentMutation } from '../../lib/idempotent-mutation';
import { type RouterInputs, type RouterOutputs, useTRPC, useTRPCClient } from '../../lib/trpc';
import { describedBy, Field, FieldError } from '../../ui/field';
import { FormDialog, type FormDialogText } from '../../ui/form-dialog';
import { WarningIcon } from '../../ui/icons';
import { type ListboxOption, ListboxSelect } from '../../ui/listbox-select';
import { LoadStatus } from '../../ui/load-status';
import { Modal } from '../../ui/modal';
import { useStepUp } from '../../ui/step-up';
import { EXPIRY_CHOICES, type ExpiryChoice, expiryDate, localDateInput } from './key-expiry';
import { NewSecretPanel } from './new-secret-panel';

// Each scope with its label and "best for" text from core, as the product note words them.
const SCOPE_OPTIONS: ListboxOption<CreatableScope>[] = CREATABLE_SCOPES.map((s) => ({
  value: s,
  label: SCOPE_INFO[s].label,
  description: `Best for: ${SCOPE_INFO[s].bestFor}`,
}));

// The inputs a BAD_REQUEST can name, each shown at its own control.
const FIELDS = ['name', 'scope', 'issuedToUserId', 'expiresAt', 'rateLimitPerMinute'] as const;

// Past this many active users the Issued-to list gets a search field.
const USER_FILTER_FROM = 6;

const TEXT: FormDialogText = {
  title: 'Add API key',
  failed: 'The key was not created.',
  submit: 'Create key',
  busy: 'Creating…',
};

interface AddKeyForm {
  name: string;
  scope: CreatableScope;
  issuedTo: string;
  expiry: ExpiryChoice;
  customDate: string;
  rateLimit: string;
}

const EMPTY_FORM: AddKeyForm = {
  name: '',
  scope: 'user_limited',
  issuedTo: '',
  expiry: 'never',
  customDate: '',
  rateLimit: '',
};

export function AddKeyDialog({ onClose, allowReveal }: { onClose: () => void; allowReveal: boolean }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const stepUp = useStepUp();
  const queryClient = useQueryClient();
  const ids = useId();
  const [form, setForm] = useState<AddKeyForm>(EMPTY_FORM);
  const userScope = isUserScope(form.scope);
  const members = useQuery({ ...trpc.members.list.queryOptions(), enabled: userScope });
  const activeMembers = members.data?.filter((m) => m.status === 'active') ?? [];
  const [userFilter, setUserFilter] = useState('');
  const needle = userFilter.trim().toLowerCase();
  const matching = (m: { name: string; email: string }, q: string) =>
    m.name.toLowerCase().includes(q) || m.email.toLowerCase().includes(q);
  // The chosen user stays listed whatever the filter, so the select never shows a value it lacks.
  const listedMembers = activeMembers.filter(
    (m) => needle === '' || m.id === form.issuedTo || matching(m, needle),
  );
  const create = useIdempotentMutation<
    AddKeyForm,
    RouterInputs['keys']['create'],
    RouterOutputs['keys']['create']
  >((input, opts) => stepUp(() => client.keys.create.mutate(input, opts)), {
    onSuccess: () => queryClient.invalidateQueries(trpc.keys.list.queryFilter()),
  });
  const errors = useFieldErrors(create.error, FIELDS);
  const info = SCOPE_INFO[form.scope];
  const expires = expiryDate(form.expiry, form.customDate, new Date());

  const edit = <K extends keyof AddKeyForm>(
    key: K,
    value: AddKeyForm[K],
    field?: (typeof FIELDS)[number],
  ) => {
    setForm((f) => ({ ...f, [key]: value }));
    if (field) errors.edited(field);
  };

  const submit = () => {
    create.submit(form, () => ({
      name: form.name,
      scope: form.scope,
      issuedToUserId: userScope ? form.issuedTo : null,
      expiresAt: expiryDate(form.expiry, form.customDate, new Date())?.toISOString() ?? null,
      rateLimitPerMinute: form.rateLimit ? Number(form.rateLimit) : null,
    }));
  };

  if (create.data) {
    const { key, secret } = create.data;
    return (
      <Modal title="API key created" onClose={onClose}>
        <p>
          <strong>{key.name}</strong> · {SCOPE_INFO[key.scope].label}
          {key.issuedTo ? ` · issued to ${key.issuedTo.name}` : ''}
          {key.expiresAt ? ` · expires ${formatDateTime(key.expiresAt)}` : ' · never expires'}
        </p>
        <NewSecretPanel
          secret={secret}
          note={
            allowReveal
              ? 'Copy the full key string and store it securely. Admins can copy it again later from the key list.'
              : 'Copy the full key string now and store it securely: it will not be shown again.'
          }
          onDone={onClose}
        />
      </Modal>
    );
  }

  const scopeError = errors.at('scope');
  const userError = errors.at('issuedToUserId');
  const expiryError = errors.at('expiresAt');
  return (
    <FormDialog text={TEXT} onClose={onClose} busy={create.isPending} onSubmit={submit} errors={errors}>
      <Field
        label="Name"
        required
        maxLength={KEY_NAME_MAX_LENGTH}
        value={form.name}
        error={errors.at('name')}
        onChange={(e) => edit('name', e.target.value, 'name')}
        hint="A descriptive label, e.g. “Zapier – CS Team” or “BI Dashboard Readonly”."
      />
      <div className="field">
        <span className="field__label" id={`${ids}-scope-label`}>
          Scope
        </span>
        <ListboxSelect
          labelId={`${ids}-scope-label`}
          value={form.scope}
          options={SCOPE_OPTIONS}
          onChange={(scope) => edit('scope', scope, 'scope')}
          describedBy={describedBy(scopeError && `${ids}-scope-error`, `${ids}-scope-info`)}
        />
        <FieldError id={`${ids}-scope-error`} error={scopeError} />
        <div className="scope-info" id={`${ids}-scope-info`}>
          <p>{info.description}</p>
          {form.scope === 'org_full' ? (
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
          <LoadStatus query={members} loading="Loading users…" failed="Could not load users." />
          {members.data && activeMembers.length > USER_FILTER_FROM ? (
            <input
              type="search"
              className="input user-filter"
              placeholder="Find by name or email"
              aria-label="Find a user by name or email"
              aria-controls={`${ids}-user`}
              value={userFilter}
              onChange={(e) => {
                setUserFilter(e.target.value);
                const q = e.target.value.trim().toLowerCase();
                const matches = q === '' ? [] : activeMembers.filter((m) => matching(m, q));
                // One match is the obvious choice; choosing it saves the second step.
                if (matches.length === 1) edit('issuedTo', matches[0]!.id, 'issuedToUserId');
              }}
            />
          ) : null}
          {members.data ? (
            <select
              id={`${ids}-user`}
              className="input"
              required
              value={form.issuedTo}
              aria-invalid={userError ? true : undefined}
              aria-describedby={describedBy(userError && `${ids}-user-error`, `${ids}-user-hint`)}
              onChange={(e) => edit('issuedTo', e.target.value, 'issuedToUserId')}
            >
              <option value="">
                {needle !== '' && !activeMembers.some((m) => matching(m, needle))
                  ? 'No active user matches'
                  : 'Choose a user…'}
              </option>
              {listedMembers.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} ({m.email})
                </option>
              ))}
            </select>
          ) : null}
          <FieldError id={`${ids}-user-error`} error={userError} />
          <p className="field__hint" id={`${ids}-user-hint`}>
            The key reads what this user can see
            {form.scope === 'user_limited' ? ', minus private meetings' : ''}. Only active users are listed;
            the user cannot be reassigned later.
          </p>
        </div>
      ) : null}
      <fieldset
        className="fieldset expiry"
        aria-describedby={describedBy(expiryError && `${ids}-expiry-error`, `${ids}-expiry-hint`)}
      >
        <legend className="field__label">Expires</legend>
        <div className="expiry__choices">
          {EXPIRY_CHOICES.map((c) => (
            <label key={c.value} className="radio expiry__choice">
              <input
                type="radio"
                name={`${ids}-expiry`}
                value={c.value}
                checked={form.expiry === c.value}
                aria-invalid={expiryError ? true : undefined}
                onChange={() => edit('expiry', c.value, 'expiresAt')}
              />
              <span>{c.value === 'custom' || c.value === 'never' ? c.label : `In ${c.label}`}</span>
            </label>
          ))}
        </div>
        {form.expiry === 'custom' ? (
          <Field
            label="Expiry date"
            type="date"
            required
            min={localDateInput(new Date())}
            value={form.customDate}
            error={expiryError}
            onChange={(e) => edit('customDate', e.target.value, 'expiresAt')}
            hint="The key works through the end of this day, your time."
          />
        ) : (
          <FieldError id={`${ids}-expiry-error`} error={expiryError} />
        )}
        {form.expiry === 'never' ? (
          <p className="expiry__never" id={`${ids}-expiry-hint`}>
            <WarningIcon />
            <span>
              <strong>Never-expiring key.</strong> It keeps working until someone deletes it, even if it leaks
              unnoticed. Prefer an expiry and regenerate the key before it ends.
            </span>
          </p>
        ) : (
          <p className="field__hint" id={`${ids}-expiry-hint`}>
            {expires
              ? `Expires ${formatDateTime(expires.toISOString())}.`
              : 'Pick the last day the key works.'}
          </p>
        )}
      </fieldset>
      <details className="advanced" open={errors.at('rateLimitPerMinute') ? true : undefined}>
        <summary>Advanced</summary>
        <div className="advanced__body">
          <Field
            label="Rate limit (requests per minute)"
            type="number"
            inputMode="numeric"
            min={RATE_LIMIT_MIN}
            max={RATE_LIMIT_MAX}
            step={1}
            value={form.rateLimit}
            error={errors.at('rateLimitPerMinute')}
            onChange={(e) => edit('rateLimit', e.target.value, 'rateLimitPerMinute')}
            hint="Optional. Leave empty for the server default."
          />
        </div>
      </details>
    </FormDialog>
  );
}
