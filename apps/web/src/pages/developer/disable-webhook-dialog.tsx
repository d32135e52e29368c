import { useQueryClient } from '@tanstack/react-query';
import { type OrgWebhook, useTRPC, useTRPCClient } from '../../lib/trpc';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { useToast } from '../../ui/toasts';

const TEXT = { failed: 'The subscription was not disabled.', submit: 'Disable', busy: 'Disabling…' };

export function DisableWebhookDialog({
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
      title="Disable this subscription?"
      text={TEXT}
      action={{
        input: { id: subscription.id, enabled: false },
        call: (input, opts) => client.webhooks.setEnabled.mutate(input, opts),
      }}
      onDone={async () => {
        await queryClient.invalidateQueries(trpc.webhooks.listForOrg.queryFilter());
        // Its waiting deliveries have just ended as failed.
        await queryClient.invalidateQueries(trpc.webhooks.deliveries.pathFilter());
        toast('Subscription disabled.');
      }}
      onClose={onClose}
    >
      <p>
        <strong>{subscription.url}</strong> stops receiving events from “{subscription.key.name}”, and
        deliveries still waiting for a retry end as failed.
      </p>
      <p className="muted">Enabling it again later does not send what it missed meanwhile.</p>
    </ConfirmDialog>
  );
}
