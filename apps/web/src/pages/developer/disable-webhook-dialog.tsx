import { useQueryClient } from '@tanstack/react-query';
import { useIdempotentMutation } from '../../lib/idempotent-mutation';
import { type OrgWebhook, useTRPC, useTRPCClient } from '../../lib/trpc';
import { DialogFooter } from '../../ui/dialog-footer';
import { Modal } from '../../ui/modal';
import { ErrorMessage } from '../../ui/status';
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
  const disable = useIdempotentMutation<{ id: string }, { id: string; enabled: false }, unknown>(
    (input, opts) => client.webhooks.setEnabled.mutate(input, opts),
    {
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.webhooks.listForOrg.queryFilter());
        // Its waiting deliveries have just ended as failed.
        await queryClient.invalidateQueries(trpc.webhooks.deliveries.pathFilter());
        toast('Subscription disabled.');
        onClose();
      },
    },
  );
  return (
    <Modal title="Disable this subscription?" onClose={onClose} busy={disable.isPending} alert>
      <p>
        <strong>{subscription.url}</strong> stops receiving events from “{subscription.key.name}”, and
        deliveries still waiting for a retry end as failed.
      </p>
      <p className="muted">Enabling it again later does not send what it missed meanwhile.</p>
      <ErrorMessage error={disable.error} title={TEXT.failed} />
      <DialogFooter
        text={TEXT}
        onCancel={onClose}
        busy={disable.isPending}
        danger
        onConfirm={() =>
          disable.submit({ id: subscription.id }, () => ({ id: subscription.id, enabled: false }))
        }
      />
    </Modal>
  );
}
