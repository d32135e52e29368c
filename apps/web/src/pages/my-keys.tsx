import { useQuery } from '@tanstack/react-query';
import { formatDate, formatDateTime } from '../lib/format';
import { useTRPC } from '../lib/trpc';
import { DataTable } from '../ui/data-table';
import { LoadStatus } from '../ui/load-status';
import { ScopeBadge } from './developer/scope-badge';

const COLUMNS = ['Name', 'Scope', 'Created', 'Last used', 'Expires'];

/**
 * A member's read-only view of the API keys issued to them: what acts in their name, so they can
 * tell an admin which one to regenerate or delete.
 */
export function MyKeys() {
  const trpc = useTRPC();
  const keys = useQuery(trpc.keys.mine.queryOptions());
  return (
    <section className="card" aria-labelledby="my-keys-title">
      <h2 className="card__title" id="my-keys-title">
        Keys issued to you
      </h2>
      <LoadStatus query={keys} loading="Loading your keys…" failed="Could not load the keys issued to you." />
      {keys.data?.keys.length === 0 ? <p className="card__text">No API key is issued to you.</p> : null}
      {keys.data && keys.data.keys.length > 0 ? (
        <DataTable className="table--stack" caption="API keys issued to you" columns={COLUMNS}>
          {keys.data.keys.map((k) => (
            <tr key={k.id}>
              <th scope="row">{k.name}</th>
              <td data-label="Scope">
                <ScopeBadge scope={k.scope} />
              </td>
              <td data-label="Created">{formatDate(k.createdAt)}</td>
              <td data-label="Last used">{formatDateTime(k.lastUsedAt, 'Never')}</td>
              <td data-label="Expires">{formatDateTime(k.expiresAt, 'Never')}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </section>
  );
}
