import { useQueryClient } from '@tanstack/react-query';
import { useIdempotentMutation } from '../../lib/idempotent-mutation';
import { type KeyView, useTRPC, useTRPCClient } from '../../lib/trpc';
import { DialogFooter } from '../../ui/dialog-footer';
import { Modal } from '../../ui/modal';
import { ErrorMessage } from '../../ui/status';
import { useToast } from '../../ui/toasts';

const TEXT = { failed: 'The key was not deleted.', submit: 'Delete key', busy: 'Deleting…' };

export function DeleteKeyDialog({ apiKey, onClose }: { apiKey: KeyView; onClose: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const toast = useToast();
  const revoke = useIdempotentMutation<{ id: string }, { id: string }, { ok: true }>(
    (input, opts) => client.keys.revoke.mutate(input, opts),
    {
      onSuccess: async () => {
        // The row (and this dialog with it) leaves the list; focus then goes to the page heading.
        await queryClient.invalidateQueries(trpc.keys.list.queryFilter());
        toast(`Key “${apiKey.name}” deleted. Its slot is free.`);
        onClose();
      },
    },
  );
  return (
    <Modal title={`Delete “${apiKey.name}”?`} onClose={onClose} busy={revoke.isPending} alert>
      <p>
        Deleting is permanent. <strong>Every integration using this key stops working at once.</strong>
      </p>
      <p className="muted">Its slot is freed immediately, and the deletion is kept in the audit log.</p>
      <ErrorMessage error={revoke.error} title={TEXT.failed} />
      <DialogFooter
        text={TEXT}
        onCancel={onClose}
        busy={revoke.isPending}
        danger
        onConfirm={() => revoke.submit({ id: apiKey.id }, () => ({ id: apiKey.id }))}
      />
    </Modal>
  );
}
