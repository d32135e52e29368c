import type { ReactNode } from 'react';
import { useIdempotentMutation } from '../lib/idempotent-mutation';
import type { IdempotencyContext } from '../lib/trpc';
import { DialogFooter } from './dialog-footer';
import { Modal } from './modal';
import { ErrorMessage } from './status';

interface ConfirmDialogProps<TInput> {
  title: string;
  /** What confirming does, in the dialog's words. */
  children: ReactNode;
  /** The confirm button's text and its text while the call runs; the error's title if it fails. */
  text: { submit: string; busy: string; failed: string };
  /** The one mutation confirming sends, with this input, under one Idempotency-Key per confirmation. */
  action: {
    input: TInput;
    call: (input: TInput, opts: { context: IdempotencyContext }) => Promise<unknown>;
  };
  /** After the call succeeded, before the dialog closes (refresh what changed, say so). */
  onDone: () => Promise<void>;
  onClose: () => void;
}

/**
 * A confirmation of something destructive (an alert dialog): the body, Cancel and a red confirm
 * button; a failure is shown inside and the same confirmation resent under the same key.
 */
export function ConfirmDialog<TInput>({
  title,
  children,
  text,
  action,
  onDone,
  onClose,
}: ConfirmDialogProps<TInput>) {
  const confirm = useIdempotentMutation<TInput, TInput, unknown>(action.call, {
    onSuccess: async () => {
      await onDone();
      onClose();
    },
  });
  return (
    <Modal title={title} onClose={onClose} busy={confirm.isPending} alert>
      {children}
      <ErrorMessage error={confirm.error} title={text.failed} />
      <DialogFooter
        text={text}
        onCancel={onClose}
        busy={confirm.isPending}
        danger
        onConfirm={() => confirm.submit(action.input, () => action.input)}
      />
    </Modal>
  );
}
