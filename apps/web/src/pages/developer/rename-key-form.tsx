import { KEY_NAME_MAX_LENGTH } from '@keyhole/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type KeyView, useTRPC } from '../../lib/trpc';
import { ErrorMessage } from '../../ui/status';
import { useToast } from '../../ui/toasts';

/** Inline rename (the pencil): the label changes on the server's answer, never before it. */
export function RenameKeyForm({ apiKey, onDone }: { apiKey: KeyView; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState(apiKey.name);
  const rename = useMutation(
    trpc.keys.rename.mutationOptions({
      onSuccess: async (key) => {
        await queryClient.invalidateQueries(trpc.keys.list.queryFilter());
        toast(`Key renamed to “${key.name}”. Integrations using it keep working.`);
        onDone();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === apiKey.name) return onDone();
    rename.mutate({ id: apiKey.id, name });
  };
  return (
    <form
      className="rename"
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !rename.isPending) {
          e.preventDefault();
          onDone();
        }
      }}
    >
      <label className="visually-hidden" htmlFor={`rename-${apiKey.id}`}>
        New name for {apiKey.name}
      </label>
      <input
        id={`rename-${apiKey.id}`}
        className="input input--small"
        // biome-ignore lint/a11y/noAutofocus: the pencil was pressed to edit exactly this field
        autoFocus
        required
        maxLength={KEY_NAME_MAX_LENGTH}
        value={name}
        onChange={(e) => setName(e.target.value)}
        disabled={rename.isPending}
      />
      <button type="submit" className="button button--small button--primary" disabled={rename.isPending}>
        {rename.isPending ? 'Saving…' : 'Save'}
      </button>
      <button type="button" className="button button--small" onClick={onDone} disabled={rename.isPending}>
        Cancel
      </button>
      <ErrorMessage error={rename.error} />
    </form>
  );
}
