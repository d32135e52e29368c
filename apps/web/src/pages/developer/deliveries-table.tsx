import { useQueryClient } from '@tanstack/react-query';
import { formatDateTime, formatDateTimeSeconds } from '../../lib/format';
import { useIdempotentMutation } from '../../lib/idempotent-mutation';
import { usePagedList } from '../../lib/paged-list';
import { type Delivery, type OrgWebhook, useTRPC, useTRPCClient } from '../../lib/trpc';
import { DataTable } from '../../ui/data-table';
import { LoadMore } from '../../ui/load-more';
import { LoadStatus } from '../../ui/load-status';
import { EmptyState, ErrorMessage } from '../../ui/status';
import { deliveryDetails, deliveryStatusText, formatMs, relativeTime } from './webhook-status';

const PAGE_SIZE = 10;

const COLUMNS = [
  'Event',
  'Status',
  'Attempts',
  'Response',
  'Duration',
  'Next retry',
  'Created',
  'Details',
  <span className="visually-hidden">Actions</span>,
];

/** A subscription's deliveries, newest first, a page at a time, each one redeliverable. */
export function DeliveriesTable({ subscription }: { subscription: OrgWebhook }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const input = { id: subscription.id, limit: PAGE_SIZE };
  const { query, items } = usePagedList(trpc.webhooks.deliveries.infiniteQueryKey(input), (cursor) =>
    client.webhooks.deliveries.query({ ...input, ...(cursor ? { cursor } : {}) }),
  );
  const now = new Date();

  return (
    <div className="deliveries">
      <div className="deliveries__header">
        <h4 className="deliveries__title">Recent deliveries</h4>
        <button
          type="button"
          className="button button--small"
          onClick={() => query.refetch()}
          disabled={query.isFetching}
        >
          {query.isFetching && !query.isPending ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <LoadStatus query={query} loading="Loading deliveries…" failed="Could not load deliveries." />
      {query.isSuccess && items.length === 0 ? (
        <EmptyState title="No deliveries yet.">
          <p>Each meeting event this subscription listens to appears here; deliveries are kept 30 days.</p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <DataTable
          className="table--stack deliveries-table"
          caption={`Deliveries to ${subscription.url}, newest first`}
          columns={COLUMNS}
        >
          {items.map((d) => (
            <DeliveryRow key={d.id} delivery={d} subscription={subscription} now={now} />
          ))}
        </DataTable>
      ) : null}
      <LoadMore query={query} label="Load more" />
    </div>
  );
}

function DeliveryRow({
  delivery: d,
  subscription,
  now,
}: {
  delivery: Delivery;
  subscription: OrgWebhook;
  now: Date;
}) {
  const details = deliveryDetails(d);
  return (
    <tr className={`delivery delivery--${d.status}`} data-delivery-id={d.id}>
      <th scope="row" data-label="Event">
        <code>{d.type}</code>
      </th>
      <td data-label="Status">
        <span className={`delivery__status delivery__status--${d.status}`}>{deliveryStatusText(d)}</span>
      </td>
      <td data-label="Attempts">{d.attempts}</td>
      <td data-label="Response">{d.responseStatus ?? <span className="muted">None</span>}</td>
      <td data-label="Duration">{formatMs(d.durationMs)}</td>
      <td data-label="Next retry">
        {d.nextAttemptAt && d.status === 'pending' ? (
          <time dateTime={d.nextAttemptAt} title={formatDateTimeSeconds(d.nextAttemptAt)}>
            {relativeTime(d.nextAttemptAt, now)}
            <span className="delivery__absolute">{formatDateTime(d.nextAttemptAt)}</span>
          </time>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-label="Created">
        <time dateTime={d.createdAt}>{formatDateTimeSeconds(d.createdAt)}</time>
      </td>
      <td data-label="Details">
        {details ? (
          <details className="delivery__details">
            <summary>Show</summary>
            <pre>{details}</pre>
          </details>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="table__actions">
        <RedeliverButton delivery={d} subscription={subscription} />
      </td>
    </tr>
  );
}

function RedeliverButton({ delivery, subscription }: { delivery: Delivery; subscription: OrgWebhook }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const redeliver = useIdempotentMutation<{ id: string }, { deliveryId: string }, Delivery>(
    (input, opts) => client.webhooks.redeliver.mutate(input, opts),
    {
      onSuccess: () =>
        queryClient.invalidateQueries({
          queryKey: trpc.webhooks.deliveries.infiniteQueryKey({ id: subscription.id, limit: PAGE_SIZE }),
        }),
    },
  );
  return (
    <>
      <button
        type="button"
        className="button button--small"
        aria-label={`Redeliver ${delivery.type} of ${formatDateTimeSeconds(delivery.createdAt)}`}
        disabled={redeliver.isPending}
        onClick={() => redeliver.submit({ id: delivery.id }, () => ({ deliveryId: delivery.id }))}
      >
        {redeliver.isPending ? 'Redelivering…' : 'Redeliver'}
      </button>
      <ErrorMessage error={redeliver.error} title="Not redelivered." />
    </>
  );
}
