import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Redirect, usePathname, useSearchParam } from './lib/router';
import { type Me, useTRPC } from './lib/trpc';
import { AccountPage } from './pages/account-page';
import { AdminOnlyPage } from './pages/admin-only-page';
import { AuditPage } from './pages/audit-page';
import { DeveloperPage } from './pages/developer/developer-page';
import { MeetingsPage } from './pages/meetings-page';
import { MembersPage } from './pages/members-page';
import { MyKeys } from './pages/my-keys';
import { NotFoundPage } from './pages/not-found-page';
import { PrivacyPage } from './pages/privacy-page';
import { SignInPage } from './pages/sign-in-page';
import { SignUpPage } from './pages/sign-up-page';
import { Shell } from './shell';
import { ErrorMessage, Loading } from './ui/status';

const HOME = '/meetings';

/** Page URLs of the signed-in app. Admin pages say who may use them; members get an explanation. */
const PAGES: Record<
  string,
  { admin?: { what: string; forMembers?: () => ReactNode }; render: (me: Me) => ReactNode }
> = {
  '/meetings': { render: (me) => <MeetingsPage me={me} /> },
  '/settings/account': { render: (me) => <AccountPage me={me} /> },
  '/settings/organization/developer': {
    // Where a member lands under Settings → Organization: the keys that act in their name.
    admin: { what: 'manage API keys', forMembers: () => <MyKeys /> },
    render: (me) => <DeveloperPage me={me} />,
  },
  '/settings/organization/members': {
    admin: { what: 'manage members' },
    render: (me) => <MembersPage me={me} />,
  },
  '/settings/organization/privacy': {
    admin: { what: 'change privacy settings' },
    render: () => <PrivacyPage />,
  },
  '/settings/organization/audit': { admin: { what: 'view the audit log' }, render: () => <AuditPage /> },
};

const ALIASES: Record<string, string> = {
  '/': HOME,
  '/settings': '/settings/account',
  '/settings/organization': '/settings/organization/developer',
};

const PUBLIC_PAGES = new Set(['/signin', '/signup']);

/** Only same-site paths may be a "next" target (no open redirect through ?next=). */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : HOME;
}

export function App() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const rawPath = usePathname();
  const pathname = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  const next = useSearchParam('next');

  if (me.isPending) {
    return (
      <main className="centered">
        <Loading label="Loading Keyhole…" />
      </main>
    );
  }
  if (me.isError) {
    return (
      <main className="centered">
        <h1 className="visually-hidden">Keyhole</h1>
        <ErrorMessage error={me.error} title="Keyhole could not start." />
        <button type="button" className="button" onClick={() => me.refetch()}>
          Try again
        </button>
      </main>
    );
  }

  const session = me.data;
  if (!session) {
    if (pathname === '/signup') return <SignUpPage />;
    if (pathname === '/signin') return <SignInPage />;
    const back = pathname === '/' ? '' : `?next=${encodeURIComponent(pathname)}`;
    return <Redirect to={`/signin${back}`} />;
  }
  if (PUBLIC_PAGES.has(pathname)) return <Redirect to={safeNext(next)} />;
  const alias = ALIASES[pathname];
  if (alias) return <Redirect to={alias} />;

  const page = PAGES[pathname];
  const isAdmin = session.user.role === 'admin';
  return (
    <Shell me={session} pathname={pathname}>
      {!page ? (
        <NotFoundPage />
      ) : page.admin && !isAdmin ? (
        <AdminOnlyPage what={page.admin.what}>{page.admin.forMembers?.()}</AdminOnlyPage>
      ) : (
        page.render(session)
      )}
    </Shell>
  );
}
