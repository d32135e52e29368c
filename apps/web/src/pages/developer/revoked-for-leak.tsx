import type { RouterOutputs } from '../../lib/trpc';
import { DataTable } from '../../ui/data-table';
import { leakNote } from './key-notes';
import { LeakPlace } from './leak-note';

type RevokedForLeak = RouterOutputs['keys']['list']['revokedForLeak'][number];

const COLUMNS = ['Name', 'Client key', 'Found at', 'Found'];

/**
 * SPEC §12: keys Keyhole revoked itself because a scanner found them published. They left the key
 * list at once, so without this the admin would learn of it only from a broken integration.
 */
export function RevokedForLeakSection({ keys }: { keys: RevokedForLeak[] }) {
  if (keys.length === 0) return null;
  return (
    <section className="revoked-leaks" aria-labelledby="revoked-leaks-title">
      <h2 id="revoked-leaks-title" className="revoked-leaks__title">
        Revoked because they were published <span className="revoked-leaks__window">(last 30 days)</span>
      </h2>
      <p className="muted revoked-leaks__intro">
        A secret scanner found these keys in public, and Keyhole revoked them at once. The integrations that
        used them need a new key.
      </p>
      <DataTable
        className="table--stack revoked-leaks__table"
        caption="Keys revoked because they were published, newest first"
        columns={COLUMNS}
      >
        {keys.map((key) => {
          const leak = leakNote(key);
          return (
            <tr key={key.id} data-key-id={key.id}>
              <th scope="row">{key.name}</th>
              <td data-label="Client key">
                <code className="revoked-leaks__client-key">{key.clientKey}</code>
              </td>
              <td data-label="Found at">
                {leak?.where ? <LeakPlace where={leak.where} /> : <span className="muted">Not given</span>}
              </td>
              <td data-label="Found">
                {leak ? <time dateTime={leak.at}>{leak.when}</time> : <span className="muted">—</span>}
              </td>
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}
