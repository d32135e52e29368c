import { useQuery } from '@tanstack/react-query';
import { Fragment, type ReactNode } from 'react';
import { Link } from '../lib/router';
import { useTRPC } from '../lib/trpc';
import { LoadStatus } from '../ui/load-status';
import { PageHeader } from '../ui/page-header';

/**
 * What a member sees at an admin page's URL: a clear "no", whom to ask, where to go instead, and what
 * of the page is theirs to see (`children`, e.g. the keys issued to them).
 */
export function AdminOnlyPage({ what, children }: { what: string; children?: ReactNode }) {
  return (
    <>
      <PageHeader title={`Only org admins can ${what}`} />
      <div className="card">
        <p className="card__text">
          Your account is a member of this organization. Ask an org admin if you need an API key, a change to
          members or settings, or an entry from the audit log.
        </p>
        <OrgAdmins />
        <p className="card__text">
          <Link href="/meetings">Go to My meetings</Link>
        </p>
      </div>
      {children}
    </>
  );
}

function OrgAdmins() {
  const trpc = useTRPC();
  const admins = useQuery(trpc.org.admins.queryOptions());
  return (
    <>
      <LoadStatus query={admins} loading="Loading the org admins…" failed="Could not load the org admins." />
      {admins.data && admins.data.length > 0 ? (
        <p className="card__text" data-testid="org-admins">
          Ask an admin:{' '}
          {admins.data.map((a, i) => (
            <Fragment key={a.email}>
              {i > 0 ? ', ' : null}
              {a.name} (<a href={`mailto:${a.email}`}>{a.email}</a>)
            </Fragment>
          ))}
          .
        </p>
      ) : null}
    </>
  );
}
