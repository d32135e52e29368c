import { Link } from '../lib/router';
import { PageHeader } from '../ui/page-header';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>
        There is no page at this address. <Link href="/meetings">Go to My meetings</Link>
      </p>
    </>
  );
}
