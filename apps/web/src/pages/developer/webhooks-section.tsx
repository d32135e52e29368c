import { useQuery } from '@tanstack/react-query';
import { type KeyView, type OrgWebhook, useTRPC } from '../../lib/trpc';
import { LoadStatus } from '../../ui/load-status';
import { EmptyState } from '../../ui/status';
import { ScopeBadge } from './scope-badge';
import { WebhookItem } from './webhook-item';

interface KeyGroup {
  key: Pick<KeyView, 'id' | 'name' | 'scope'>;
  subscriptions: OrgWebhook[];
}

/**
 * In the key list's order; a subscription whose key the list does not show yet (created between the
 * two reads) still gets a group, from the key it carries.
 */
function groupByKey(keys: KeyView[], subscriptions: OrgWebhook[]): KeyGroup[] {
  const groups = new Map<string, KeyGroup>(keys.map((k) => [k.id, { key: k, subscriptions: [] }]));
  for (const sub of subscriptions) {
    const group = groups.get(sub.key.id) ?? { key: sub.key, subscriptions: [] };
    group.subscriptions.push(sub);
    groups.set(sub.key.id, group);
  }
  return [...groups.values()];
}

/**
 * SPEC §11 "Web UI": each key's webhook subscriptions, their deliveries, enable/disable and delete.
 * Only keys that have subscriptions get a group: an empty box per key said the same thing ten times
 * (and made a long scroll on a phone), so the keys without any are counted in one line instead.
 */
export function WebhooksSection({ keys }: { keys: KeyView[] }) {
  const trpc = useTRPC();
  const webhooks = useQuery(trpc.webhooks.listForOrg.queryOptions());
  const groups = webhooks.data ? groupByKey(keys, webhooks.data) : [];
  const withSubscriptions = groups.filter((g) => g.subscriptions.length > 0);
  const without = groups.length - withSubscriptions.length;

  return (
    <section className="webhooks" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title" className="webhooks__title">
        Webhooks
      </h2>
      <p className="muted webhooks__intro">
        Integrations subscribe to meeting events with their key; each subscription receives only the meetings
        its key may read.
      </p>
      <LoadStatus query={webhooks} loading="Loading webhooks…" failed="Could not load webhooks." />
      {webhooks.data && withSubscriptions.length === 0 ? (
        <EmptyState title="No webhook subscriptions yet">
          <p>
            A webhook tells an integration the moment a meeting is created, updated or completed, so it need
            not poll the API. Integrations such as Zapier create their subscriptions themselves, with their
            API key; they show here, under that key.
          </p>
        </EmptyState>
      ) : null}
      {withSubscriptions.map(({ key, subscriptions }) => (
        <section
          key={key.id}
          className="webhook-key"
          data-webhook-key={key.id}
          aria-labelledby={`webhook-key-${key.id}`}
        >
          <div className="webhook-key__header">
            <h3 id={`webhook-key-${key.id}`} className="webhook-key__title">
              {key.name}
            </h3>
            <ScopeBadge scope={key.scope} />
          </div>
          <ul className="webhook-list">
            {subscriptions.map((sub) => (
              <WebhookItem key={sub.id} subscription={sub} />
            ))}
          </ul>
        </section>
      ))}
      {withSubscriptions.length > 0 && without > 0 ? (
        <p className="muted webhooks__others">
          {without === 1 ? '1 other key has' : `${without} other keys have`} no webhook subscriptions.
        </p>
      ) : null}
    </section>
  );
}
