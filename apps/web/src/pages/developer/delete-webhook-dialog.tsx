import { useQueryClient } from '@tanstack/react-query';
import { useIdempotentMutation } from '../../lib/idempotent-mutation';
import { type OrgWebhook, useTRPC, useTRPCClient } from '../../lib/trpc';
import { DialogFooter } from '../../ui/dialog-footer';
import { Modal } from '../../ui/modal';
import { ErrorMessage } from '../../ui/status';
import { useToast } from '../../ui/toasts';

const TEXT = {
  failed: 'The subscription was not deleted.',
  submit: 'Delete subscription',
  busy: 'Deleting…',
};

export function DeleteWebhookDialog({
  subscription,
  onClose,
}: {
  subscription: OrgWebhook;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const toast = useToast();
  const remove = useIdempotentMutation<{ id: string }, { id: string }, { ok: true }>(
    (input, opts) => client.webhooks.delete.mutate(input, opts),
    {
      onSuccess: async () => {
        // The item (and this dialog with it) leaves the list; focus then goes to the page heading.
        await queryClient.invalidateQueries(trpc.webhooks.listForOrg.queryFilter());
        toast('Webhook subscription deleted.');
        onClose();
      },
    },
  );
  return (
    <Modal title="Delete this subscription?" onClose={onClose} busy={remove.isPending} alert>
      <p>
        Deleting is permanent: <strong>{subscription.url}</strong> receives nothing more from “
        {subscription.key.name}”, and its delivery log goes with it.
      </p>
      <p className="muted">
        The integration can subscribe again with its key. The deletion is kept in the audit log.
      </p>
      <ErrorMessage error={remove.error} title={TEXT.failed} />
      <DialogFooter
        text={TEXT}
        onCancel={onClose}
        busy={remove.isPending}
        danger
        onConfirm={() => remove.submit({ id: subscription.id }, () => ({ id: subscription.id }))}
      />
    </Modal>
  );
}
