import { MAX_OVERLAP_SECONDS } from '@keyhole/core';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useIdempotentMutation } from '../../lib/idempotent-mutation';
import { type KeyView, type RouterInputs, type RouterOutputs, useTRPC, useTRPCClient } from '../../lib/trpc';
import { DialogFooter } from '../../ui/dialog-footer';
import { Modal } from '../../ui/modal';
import { ErrorMessage } from '../../ui/status';
import { useStepUp } from '../../ui/step-up';
import { NewSecretPanel } from './new-secret-panel';

const OVERLAPS = [
  {
    seconds: 0,
    label: 'Now',
    hint: 'The old key fails from the next request. Best when it may have leaked.',
  },
  { seconds: 3600, label: 'In 1 hour', hint: 'Both keys work for an hour while you update the integration.' },
  { seconds: MAX_OVERLAP_SECONDS, label: 'In 24 hours', hint: 'Both keys work for a day.' },
] as const;

const TEXT = { failed: 'The key was not regenerated.', submit: 'Regenerate key', busy: 'Regenerating…' };

type RegenerateKeyDialogProps = { apiKey: KeyView; allowReveal: boolean; onClose: () => void };

export function RegenerateKeyDialog({ apiKey, allowReveal, onClose }: RegenerateKeyDialogProps) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const stepUp = useStepUp();
  const groupId = useId();
  const [overlap, setOverlap] = useState<number>(0);
  const regenerate = useIdempotentMutation<
    { overlap: number },
    RouterInputs['keys']['regenerate'],
    RouterOutputs['keys']['regenerate']
  >((input, opts) => stepUp(() => client.keys.regenerate.mutate(input, opts)), {
    onSuccess: () => queryClient.invalidateQueries(trpc.keys.list.queryFilter()),
  });
  const done = regenerate.data;
  return (
    <Modal
      title={done ? `New key for “${done.key.name}”` : `Regenerate “${apiKey.name}”?`}
      onClose={onClose}
      busy={regenerate.isPending}
      alert={!done}
    >
      {done ? (
        <NewSecretPanel
          secret={done.secret}
          note={
            allowReveal
              ? 'Update your integration with this key. Admins can copy it again from the key list.'
              : 'Copy it now and store it securely: it will not be shown again.'
          }
          onDone={onClose}
        />
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            regenerate.submit({ overlap }, () => ({ id: apiKey.id, previousSecretValidForSeconds: overlap }));
          }}
        >
          <p>
            A new secret replaces the current one. The name, scope, owner, expiry and rate limit stay the
            same.
          </p>
          <fieldset className="fieldset" aria-describedby={`${groupId}-hint`}>
            <legend className="field__label">When should the current key stop working?</legend>
            {OVERLAPS.map((o) => (
              <label key={o.seconds} className="radio">
                <input
                  type="radio"
                  name={groupId}
                  value={o.seconds}
                  checked={overlap === o.seconds}
                  onChange={() => setOverlap(o.seconds)}
                />
                <span>
                  {o.label}
                  <span className="radio__hint">{o.hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <p className="field__hint" id={`${groupId}-hint`}>
            Regenerating again later ends any earlier overlap.
          </p>
          <ErrorMessage error={regenerate.error} title={TEXT.failed} />
          <DialogFooter text={TEXT} onCancel={onClose} busy={regenerate.isPending} danger />
        </form>
      )}
    </Modal>
  );
}
