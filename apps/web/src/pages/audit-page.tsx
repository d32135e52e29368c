import { AUDIT_ACTIONS, type AuditAction, isAuditAction } from '@keyhole/core';
import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { formatDateTimeSeconds, localInputToIso, toLocalInput } from '../lib/format';
import { usePagedList } from '../lib/paged-list';
import { navigate, useSearchParam } from '../lib/router';
import { type AuditEvent, useTRPC, useTRPCClient } from '../lib/trpc';
import { DataTable } from '../ui/data-table';
import { LoadMore } from '../ui/load-more';
import { PageHeader } from '../ui/page-header';
import { Person } from '../ui/person';
import { EmptyState, ErrorMessage, Loading } from '../ui/status';
import { describeDetails, type People, SYSTEM_ACTOR } from './audit-details';
import { auditCsv, downloadText } from './audit-export';

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
  'auth.password_confirmed': 'Password confirmed',
  'auth.password_confirm_failed': 'Password confirmation failed',
  'key.leaked': 'Key reported as leaked',
  'webhook.subscribed': 'Webhook subscribed',
  'webhook.unsubscribed': 'Webhook unsubscribed',
  'webhook.disabled': 'Webhook disabled',
  'webhook.enabled': 'Webhook enabled',
  'webhook.deleted': 'Webhook deleted',
};

function Details({ event, people }: { event: AuditEvent; people: People }) {
  const entries = describeDetails(event.action, event.details, people);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <dl className="audit-details">
      {entries.map((d) => (
        <div key={d.label}>
          <dt>{d.label}</dt>
          <dd>{d.value}</dd>
        </div>
      ))}
    </dl>
  );
}

const actionLabel = (a: string) => (isAuditAction(a) ? ACTION_LABELS[a] : a);

const AUDIT_PATH = '/settings/organization/audit';

/** A `datetime-local` value from the URL, if it is one. */
function localParam(value: string | null): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))
    ? value
    : undefined;
}

interface Filters {
  action?: AuditAction | undefined;
  actor?: string | undefined;
  /** Local wall-clock times, as the inputs hold them. */
  from?: string | undefined;
  to?: string | undefined;
}

function filtersUrl(f: Filters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  const search = q.toString();
  return search ? `${AUDIT_PATH}?${search}` : AUDIT_PATH;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The org's audit log, newest first, a page at a time. The filters (action, actor, date range) live
 * in the URL, so a filtered view can be shared; the export takes every page of that view.
 */
export function AuditPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const ids = { action: useId(), actor: useId(), from: useId(), to: useId(), range: useId() };
  const actionParam = useSearchParam('action');
  const actorParam = useSearchParam('actor');
  const filters: Filters = {
    action: isAuditAction(actionParam) ? actionParam : undefined,
    actor: actorParam && UUID.test(actorParam) ? actorParam : undefined,
    from: localParam(useSearchParam('from')),
    to: localParam(useSearchParam('to')),
  };
  const rangeBackwards = !!filters.from && !!filters.to && filters.to < filters.from;
  const members = useQuery(trpc.members.list.queryOptions());
  const people: People = new Map((members.data ?? []).map((m) => [m.id, { name: m.name, email: m.email }]));
  const filterInput = {
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.actor ? { actorId: filters.actor } : {}),
    ...(filters.from ? { from: localInputToIso(filters.from) } : {}),
    ...(filters.to && !rangeBackwards ? { to: localInputToIso(filters.to) } : {}),
  };
  const input = { limit: PAGE_SIZE, ...filterInput };
  const { query: events, items } = usePagedList(trpc.audit.list.infiniteQueryKey(input), (cursor) =>
    client.audit.list.query({ ...input, ...(cursor ? { cursor } : {}) }),
  );
  const setFilter = (patch: Filters) => navigate(filtersUrl({ ...filters, ...patch }), { replace: true });
  const filtered = Object.values(filters).some(Boolean);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);

  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      const all: AuditEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.audit.list.query({
          ...filterInput,
          limit: 100,
          ...(cursor ? { cursor } : {}),
        });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const day = toLocalInput(new Date()).slice(0, 10);
      downloadText(`audit-log-${day}.csv`, auditCsv(all, people, actionLabel));
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        description={
          <p>
            Every key, member and settings change, every key copy and every sign-in attempt. Key strings and
            passwords are never recorded. Times are shown in your time zone.
          </p>
        }
        actions={
          <button type="button" className="button" onClick={exportCsv} disabled={exporting}>
            {exporting ? 'Exporting…' : 'Export CSV'}
          </button>
        }
      />
      {exportError ? (
        <ErrorMessage
          error={exportError}
          title="The CSV file was not made."
          onRetry={exportCsv}
          retrying={exporting}
        />
      ) : null}
      <fieldset className="toolbar audit-filters">
        <legend className="visually-hidden">Filter the audit log</legend>
        <div className="audit-filters__field">
          <label htmlFor={ids.action} className="field__label">
            Action
          </label>
          <select
            id={ids.action}
            className="input input--small"
            value={filters.action ?? ''}
            onChange={(e) =>
              setFilter({ action: isAuditAction(e.target.value) ? e.target.value : undefined })
            }
          >
            <option value="">All actions</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {ACTION_LABELS[a]} ({a})
              </option>
            ))}
          </select>
        </div>
        <div className="audit-filters__field">
          <label htmlFor={ids.actor} className="field__label">
            Actor
          </label>
          <select
            id={ids.actor}
            className="input input--small"
            value={filters.actor ?? ''}
            onChange={(e) => setFilter({ actor: e.target.value || undefined })}
          >
            <option value="">Everyone</option>
            {filters.actor && !people.has(filters.actor) ? (
              <option value={filters.actor}>{filters.actor}</option>
            ) : null}
            {(members.data ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.email})
              </option>
            ))}
          </select>
        </div>
        <div className="audit-filters__field">
          <label htmlFor={ids.from} className="field__label">
            From
          </label>
          <input
            id={ids.from}
            type="datetime-local"
            className="input input--small"
            value={filters.from ?? ''}
            onChange={(e) => setFilter({ from: localParam(e.target.value) })}
          />
        </div>
        <div className="audit-filters__field">
          <label htmlFor={ids.to} className="field__label">
            Before
          </label>
          <input
            id={ids.to}
            type="datetime-local"
            className="input input--small"
            value={filters.to ?? ''}
            aria-invalid={rangeBackwards || undefined}
            aria-describedby={rangeBackwards ? ids.range : undefined}
            onChange={(e) => setFilter({ to: localParam(e.target.value) })}
          />
        </div>
        {filtered ? (
          <button
            type="button"
            className="button button--small"
            onClick={() => navigate(AUDIT_PATH, { replace: true })}
          >
            Clear filters
          </button>
        ) : null}
        {events.isSuccess ? (
          <span className="muted" aria-live="polite">
            {items.length} event{items.length === 1 ? '' : 's'} shown
            {events.hasNextPage ? ', more below' : ''}
          </span>
        ) : null}
      </fieldset>
      {rangeBackwards ? (
        <p className="field__error" id={ids.range}>
          “Before” is earlier than “From”: the end of the range is ignored until it is later.
        </p>
      ) : null}
      {events.isPending ? <Loading label="Loading the audit log…" /> : null}
      {events.isError && !events.isFetchNextPageError ? (
        <ErrorMessage error={events.error} title="Could not load the audit log." />
      ) : null}
      {events.isSuccess && items.length === 0 ? (
        <EmptyState
          title={
            filtered
              ? filters.action && !filters.actor && !filters.from && !filters.to
                ? `No “${ACTION_LABELS[filters.action]}” events`
                : 'No events match these filters'
              : 'No events yet'
          }
        />
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
                <span className="audit-action">{actionLabel(e.action)}</span>
                <code className="audit-code">{e.action}</code>
              </td>
              <td data-label="Actor">
                {e.actor ? (
                  e.actor.type === 'system' ? (
                    SYSTEM_ACTOR
                  ) : e.actor.id && people.has(e.actor.id) ? (
                    <Person person={people.get(e.actor.id)!} />
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
                <Details event={e} people={people} />
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
