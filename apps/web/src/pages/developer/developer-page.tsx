import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from '../../lib/router';
import { type Me, useTRPC } from '../../lib/trpc';
import { Breadcrumb } from '../../ui/breadcrumb';
import { DataTable } from '../../ui/data-table';
import { LoadStatus } from '../../ui/load-status';
import { PageHeader } from '../../ui/page-header';
import { EmptyState, Notice } from '../../ui/status';
import { AddKeyDialog } from './add-key-dialog';
import { keySlots, leakedKeysSummary } from './key-notes';
import { KeyRow } from './key-row';
import { RevokedForLeakSection } from './revoked-for-leak';
import { WebhooksSection } from './webhooks-section';

const KEY_COLUMNS = [
  'Name',
  'Scope',
  'Issued to',
  'Created by',
  'Created',
  'Last used',
  <span className="visually-hidden">Actions</span>,
];

export function DeveloperPage({ me }: { me: Me }) {
  const trpc = useTRPC();
  // Back from trying a key elsewhere, "last used" should already show it.
  const keys = useQuery({ ...trpc.keys.list.queryOptions(), refetchOnWindowFocus: true });
  const org = useQuery(trpc.org.get.queryOptions());
  const [adding, setAdding] = useState(false);
  const slots = keys.data ? keySlots(keys.data.used, keys.data.limit) : null;
  const allowReveal = (org.data ?? me.org).settings.allowKeyReveal;
  const leaked = keys.data?.keys.filter((k) => k.leakedAt) ?? [];

  return (
    <>
      <Breadcrumb trail={['Settings', 'Organization', 'Developer']} />
      <PageHeader
        title="Developer"
        description={
          <p>
            API keys let integrations read your organization’s meetings. A key’s scope decides exactly which
            meetings it sees; pick the one that grants the least the integration needs. Keys call the API over
            REST or tRPC: see the <a href="/docs/api">API reference</a> (its OpenAPI document is{' '}
            <a href="/v1/openapi.json">/v1/openapi.json</a>).
          </p>
        }
        actions={
          slots ? (
            <div className="key-slots">
              <button
                type="button"
                className="button button--primary"
                onClick={() => setAdding(true)}
                disabled={slots.full}
                aria-describedby="key-slots-summary key-slots-reason"
              >
                Add API key
              </button>
              <p className="key-slots__summary" id="key-slots-summary">
                <span className="key-slots__bar" aria-hidden="true">
                  <span
                    className={`key-slots__fill ${slots.full ? 'key-slots__fill--full' : ''}`}
                    style={{
                      width: `${Math.min(100, (100 * (keys.data?.used ?? 0)) / (keys.data?.limit || 1))}%`,
                    }}
                  />
                </span>
                {slots.summary}
              </p>
            </div>
          ) : null
        }
      />
      {slots?.reason ? (
        <div className="notice notice--warning" id="key-slots-reason">
          {slots.reason}
        </div>
      ) : null}
      {!allowReveal ? (
        <Notice>
          {/* One span: the notice is a flex column, where bare text and the link would stack. */}
          <span>
            Copying existing keys is turned off in <Link href="/settings/organization/privacy">Privacy</Link>:
            a key string is shown once, at create and regenerate.
          </span>
        </Notice>
      ) : null}
      {leaked.length > 0 ? (
        <section className="notice notice--warning leak-alert" aria-labelledby="leak-alert-title">
          <strong className="notice__title" id="leak-alert-title">
            {leakedKeysSummary(leaked.length)}
          </strong>
          <span>
            A secret scanner reported {leaked.length === 1 ? 'it' : 'them'} in public:{' '}
            {leaked.map((k) => `“${k.name}”`).join(', ')}. Anyone who saw{' '}
            {leaked.length === 1 ? 'it' : 'them'} can call the API as your integration until you regenerate or
            delete {leaked.length === 1 ? 'it' : 'them'} below.
          </span>
        </section>
      ) : null}
      <LoadStatus query={keys} loading="Loading API keys…" failed="Could not load API keys." />
      {keys.data && keys.data.keys.length === 0 ? (
        <EmptyState title="No API keys yet">
          <p>
            Add a key for each integration: a Zapier Zap, a BI dashboard, a script. One key per integration
            makes it easy to rotate or revoke access without affecting the others.
          </p>
        </EmptyState>
      ) : null}
      {keys.data && keys.data.keys.length > 0 ? (
        <DataTable
          className="table--stack key-table"
          caption="API keys, newest first"
          columns={KEY_COLUMNS}
          bodies
        >
          {keys.data.keys.map((key) => (
            <KeyRow key={key.id} apiKey={key} allowReveal={allowReveal} />
          ))}
        </DataTable>
      ) : null}
      {keys.data ? <RevokedForLeakSection keys={keys.data.revokedForLeak} /> : null}
      {keys.data ? <WebhooksSection keys={keys.data.keys} /> : null}
      {adding ? <AddKeyDialog onClose={() => setAdding(false)} allowReveal={allowReveal} /> : null}
    </>
  );
}
