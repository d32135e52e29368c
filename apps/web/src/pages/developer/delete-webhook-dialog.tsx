import { useQueryClient } from '@tanstack/react-query';
import { type OrgWebhook, useTRPC, useTRPCClient } from '../../lib/trpc';
import { ConfirmDialog } from '../../ui/confirm-dialog';
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
  return (
    <ConfirmDialog
      title="Delete this subscription?"
      text={TEXT}
      action={{
        input: { id: subscription.id },
        call: (input, opts) => client.webhooks.delete.mutate(input, opts),
      }}
      onDone={async () => {
        // The item (and this dialog with it) leaves the list; focus then goes to the page heading.
        await queryClient.invalidateQueries(trpc.webhooks.listForOrg.queryFilter());
        toast('Webhook subscription deleted.');
      }}
      onClose={onClose}
    >
      <p>
        Deleting is permanent: <strong>{subscription.url}</strong> receives nothing more from “
        {subscription.key.name}”, and its delivery log goes with it.
      </p>
      <p className="muted">
        The integration can subscribe again with its key. The deletion is kept in the audit log.
      </p>
    </ConfirmDialog>
  );
}
