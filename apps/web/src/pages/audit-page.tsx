import { AUDIT_ACTIONS, type AuditAction, isAuditAction } from '@keyhole/core';
import { useId } from 'react';
import { formatDateTimeSeconds } from '../lib/format';
import { usePagedList } from '../lib/paged-list';
import { navigate, useSearchParam } from '../lib/router';
import { type AuditEvent, useTRPC, useTRPCClient } from '../lib/trpc';
import { DataTable } from '../ui/data-table';
import { LoadMore } from '../ui/load-more';
import { PageHeader } from '../ui/page-header';
import { EmptyState, ErrorMessage, Loading } from '../ui/status';

const PAGE_SIZE = 25;

const COLUMNS = ['When', 'Action', 'Actor', 'Target', 'Details', 'IP'];

const ACTION_LABELS: Record<AuditAction, string> = {
  'key.created': 'Key created',
  'key.renamed': 'Key renamed',
  'key.regenerated': 'Key regenerated',
  'key.revealed': 'Key copied',
  'key.revoked': 'Key deleted',
  'key.legacy_imported': 'Legacy key imported',
  'member.added': 'Member added',
  'member.role_changed': 'Role changed',
  'member.status_changed': 'Status changed',
  'member.password_changed': 'Password changed',
  'org.settings_updated': 'Settings updated',
  'auth.signed_up': 'Signed up',
  'auth.signed_in': 'Signed in',
  'auth.sign_in_failed': 'Sign-in failed',
};

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${formatValue(v)}`)
      .join(', ');
  }
  return String(value);
}

function Details({ details }: { details: AuditEvent['details'] }) {
  // Empty fields (no expiry, no rate limit…) say nothing; leave them out.
  const entries = Object.entries((details ?? {}) as Record<string, unknown>).filter(
    ([, v]) => v !== null && v !== undefined,
  );
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <dl className="audit-details">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{formatValue(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The org's audit log, newest first, a page at a time; the action filter lives in the URL (?action=). */
export function AuditPage() {
  const trpc = useTRPC();
  const filterId = useId();
  const param = useSearchParam('action');
  const action = isAuditAction(param) ? param : undefined;
  const client = useTRPCClient();
  const input = { limit: PAGE_SIZE, ...(action ? { action } : {}) };
  const { query: events, items } = usePagedList(trpc.audit.list.infiniteQueryKey(input), (cursor) =>
    client.audit.list.query({ ...input, ...(cursor ? { cursor } : {}) }),
  );
  return (
    <>
      <PageHeader
        title="Audit log"
        description={
          <p>
            Every key, member and settings change, every key copy and every sign-in attempt. Key strings and
            passwords are never recorded.
          </p>
        }
      />
      <div className="toolbar">
        <label htmlFor={filterId} className="field__label">
          Action
        </label>
        <select
          id={filterId}
          className="input input--small"
          value={action ?? ''}
          onChange={(e) => {
            const value = e.target.value;
            navigate(
              value
                ? `/settings/organization/audit?action=${encodeURIComponent(value)}`
                : '/settings/organization/audit',
              {
                replace: true,
              },
            );
          }}
        >
          <option value="">All actions</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {ACTION_LABELS[a]} ({a})
            </option>
          ))}
        </select>
        {events.isSuccess ? (
          <span className="muted" aria-live="polite">
            {items.length} event{items.length === 1 ? '' : 's'} shown
            {events.hasNextPage ? ', more below' : ''}
          </span>
        ) : null}
      </div>
      {events.isPending ? <Loading label="Loading the audit log…" /> : null}
      {events.isError && !events.isFetchNextPageError ? (
        <ErrorMessage error={events.error} title="Could not load the audit log." />
      ) : null}
      {events.isSuccess && items.length === 0 ? (
        <EmptyState title={action ? `No “${ACTION_LABELS[action]}” events` : 'No events yet'} />
      ) : null}
      {items.length > 0 ? (
        <DataTable
          className="table--stack audit-table"
          caption="Audit events, newest first"
          columns={COLUMNS}
        >
          {items.map((e) => (
            <tr key={e.id} data-action={e.action}>
              <td className="nowrap" data-label="When">
                <time dateTime={e.at}>{formatDateTimeSeconds(e.at)}</time>
              </td>
              <td data-label="Action">
                <span className="audit-action">
                  {isAuditAction(e.action) ? ACTION_LABELS[e.action] : e.action}
                </span>
                <code className="audit-code">{e.action}</code>
              </td>
              <td data-label="Actor">
                {e.actor ? (
                  e.actor.type === 'system' ? (
                    'System (CLI)'
                  ) : (
                    e.actor.email
                  )
                ) : (
                  <span className="muted">Unknown</span>
                )}
              </td>
              <td data-label="Target">
                {e.target ? (e.target.name ?? e.target.id) : <span className="muted">—</span>}
              </td>
              <td data-label="Details">
                <Details details={e.details} />
              </td>
              <td className="nowrap" data-label="IP">
                {e.ip ?? '—'}
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {events.isFetchNextPageError ? <ErrorMessage error={events.error} /> : null}
      <LoadMore query={events} label="Load older events" />
    </>
  );
}
