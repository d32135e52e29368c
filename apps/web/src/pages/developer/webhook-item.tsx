import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { formatDate } from '../../lib/format';
import { useIdempotentMutation } from '../../lib/idempotent-mutation';
import { type OrgWebhook, useTRPC, useTRPCClient } from '../../lib/trpc';
import { ErrorMessage } from '../../ui/status';
import { DeleteWebhookDialog } from './delete-webhook-dialog';
import { DeliveriesTable } from './deliveries-table';
import { DisableWebhookDialog } from './disable-webhook-dialog';
import { webhookStatus } from './webhook-status';

type OpenDialog = 'disable' | 'delete' | null;

/** One subscription: where it posts, what, whether it is on (and why not), and what it can be asked to do. */
export function WebhookItem({ subscription: sub }: { subscription: OrgWebhook }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [showDeliveries, setShowDeliveries] = useState(false);
  const status = webhookStatus(sub);
  const deliveriesId = `deliveries-${sub.id}`;
  // Turning one on needs no confirmation: it changes nothing already sent and replays nothing missed.
  const enable = useIdempotentMutation<{ id: string }, { id: string; enabled: true }, unknown>(
    (input, opts) => client.webhooks.setEnabled.mutate(input, opts),
    { onSuccess: () => queryClient.invalidateQueries(trpc.webhooks.listForOrg.queryFilter()) },
  );

  return (
    <li className="webhook" data-webhook-id={sub.id}>
      <div className="webhook__main">
        <p className="webhook__url">{sub.url}</p>
        <p className="webhook__meta">
          <span className="visually-hidden">Events: </span>
          {sub.events.map((event) => (
            <code key={event} className="webhook__event">
              {event}
            </code>
          ))}
          <span className="muted">Since {formatDate(sub.createdAt)}</span>
        </p>
        <p className={`webhook__status webhook__status--${status.tone}`}>
          <span className="visually-hidden">Status: </span>
          {status.text}
        </p>
      </div>
      <div className="webhook__actions">
        <button
          type="button"
          className="button button--small"
          aria-expanded={showDeliveries}
          aria-controls={showDeliveries ? deliveriesId : undefined}
          onClick={() => setShowDeliveries(!showDeliveries)}
        >
          Recent deliveries
        </button>
        {sub.enabled ? (
          <button type="button" className="button button--small" onClick={() => setDialog('disable')}>
            Disable
          </button>
        ) : (
          <button
            type="button"
            className="button button--small"
            disabled={enable.isPending}
            onClick={() => enable.submit({ id: sub.id }, () => ({ id: sub.id, enabled: true }))}
          >
            {enable.isPending ? 'Enabling…' : 'Enable'}
          </button>
        )}
        <button
          type="button"
          className="button button--small button--danger"
          onClick={() => setDialog('delete')}
        >
          Delete
        </button>
      </div>
      <ErrorMessage error={enable.error} title="The subscription was not enabled." />
      {showDeliveries ? (
        <div className="webhook__deliveries" id={deliveriesId}>
          <DeliveriesTable subscription={sub} />
        </div>
      ) : null}
      {dialog === 'disable' ? (
        <DisableWebhookDialog subscription={sub} onClose={() => setDialog(null)} />
      ) : null}
      {dialog === 'delete' ? (
        <DeleteWebhookDialog subscription={sub} onClose={() => setDialog(null)} />
      ) : null}
    </li>
  );
}
