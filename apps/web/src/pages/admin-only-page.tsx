import type { ReactNode } from 'react';
import { Link } from '../lib/router';
import { PageHeader } from '../ui/page-header';

/**
 * What a member sees at an admin page's URL: a clear "no", where to go instead, and what of the
 * page is theirs to see (`children`, e.g. the keys issued to them).
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
        <p className="card__text">
          <Link href="/meetings">Go to My meetings</Link>
        </p>
      </div>
      {children}
    </>
  );
}
