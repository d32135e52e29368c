import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from '../../lib/router';
import { type Me, useTRPC } from '../../lib/trpc';
import { Breadcrumb } from '../../ui/breadcrumb';
import { PageHeader } from '../../ui/page-header';
import { EmptyState, ErrorMessage, Loading, Notice } from '../../ui/status';
import { AddKeyDialog } from './add-key-dialog';
import { keySlots } from './key-notes';
import { KeyRow } from './key-row';

export function DeveloperPage({ me }: { me: Me }) {
  const trpc = useTRPC();
  // Back from trying a key elsewhere, "last used" should already show it.
  const keys = useQuery({ ...trpc.keys.list.queryOptions(), refetchOnWindowFocus: true });
  const org = useQuery(trpc.org.get.queryOptions());
  const [adding, setAdding] = useState(false);
  const slots = keys.data ? keySlots(keys.data.used, keys.data.limit) : null;
  const allowReveal = (org.data ?? me.org).settings.allowKeyReveal;

  return (
    <>
      <Breadcrumb trail={['Settings', 'Organization', 'Developer']} />
      <PageHeader
        title="Developer"
        description={
          <p>
            API keys let integrations read your organization’s meetings. A key’s scope decides exactly which
            meetings it sees; pick the one that grants the least the integration needs.
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
      {keys.isPending ? <Loading label="Loading API keys…" /> : null}
      {keys.isError ? (
        <ErrorMessage
          error={keys.error}
          title="Could not load API keys."
          onRetry={() => keys.refetch()}
          retrying={keys.isFetching}
        />
      ) : null}
      {keys.data && keys.data.keys.length === 0 ? (
        <EmptyState title="No API keys yet">
          <p>
            Add a key for each integration: a Zapier Zap, a BI dashboard, a script. One key per integration
            makes it easy to rotate or revoke access without affecting the others.
          </p>
        </EmptyState>
      ) : null}
      {keys.data && keys.data.keys.length > 0 ? (
        <div className="table-wrap">
          <table className="table table--stack key-table">
            <caption className="visually-hidden">API keys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Issued to</th>
                <th scope="col">Created by</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            {keys.data.keys.map((key) => (
              <KeyRow key={key.id} apiKey={key} allowReveal={allowReveal} />
            ))}
          </table>
        </div>
      ) : null}
      {adding ? <AddKeyDialog onClose={() => setAdding(false)} allowReveal={allowReveal} /> : null}
    </>
  );
}
