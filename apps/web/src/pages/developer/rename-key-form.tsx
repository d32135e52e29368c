import { KEY_NAME_MAX_LENGTH } from '@keyhole/core';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useFieldErrors } from '../../lib/field-errors';
import { useIdempotentMutation } from '../../lib/idempotent-mutation';
import { type KeyView, type RouterInputs, useTRPC, useTRPCClient } from '../../lib/trpc';
import { describedBy, FieldError } from '../../ui/field';
import { ErrorMessage } from '../../ui/status';
import { useToast } from '../../ui/toasts';

const FIELDS = ['name'] as const;

/** Inline rename (the pencil): the label changes on the server's answer, never before it. */
export function RenameKeyForm({ apiKey, onDone }: { apiKey: KeyView; onDone: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState(apiKey.name);
  const rename = useIdempotentMutation<string, RouterInputs['keys']['rename'], KeyView>(
    (input, opts) => client.keys.rename.mutate(input, opts),
    {
      onSuccess: async (key) => {
        await queryClient.invalidateQueries(trpc.keys.list.queryFilter());
        toast(`Key renamed to “${key.name}”. Integrations using it keep working.`);
        onDone();
      },
    },
  );
  const errors = useFieldErrors(rename.error, FIELDS);
  const inputId = `rename-${apiKey.id}`;
  const nameError = errors.at('name');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === apiKey.name) return onDone();
    rename.submit(name, () => ({ id: apiKey.id, name }));
  };
  return (
    <form
      className="rename"
      ref={errors.formRef}
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !rename.isPending) {
          e.preventDefault();
          onDone();
        }
      }}
    >
      <label className="visually-hidden" htmlFor={inputId}>
        New name for {apiKey.name}
      </label>
      <input
        id={inputId}
        className="input input--small"
        // biome-ignore lint/a11y/noAutofocus: the pencil was pressed to edit exactly this field
        autoFocus
        required
        maxLength={KEY_NAME_MAX_LENGTH}
        value={name}
        aria-invalid={nameError ? true : undefined}
        aria-describedby={describedBy(nameError && `${inputId}-error`)}
        onChange={(e) => {
          setName(e.target.value);
          errors.edited('name');
        }}
        disabled={rename.isPending}
      />
      <button type="submit" className="button button--small button--primary" disabled={rename.isPending}>
        {rename.isPending ? 'Saving…' : 'Save'}
      </button>
      <button type="button" className="button button--small" onClick={onDone} disabled={rename.isPending}>
        Cancel
      </button>
      <FieldError id={`${inputId}-error`} error={nameError} />
      <ErrorMessage error={errors.general} />
    </form>
  );
}
