import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, navigate, usePageFocus } from './lib/router';
import { type Me, useTRPC } from './lib/trpc';
import { ErrorMessage } from './ui/status';

const PERSONAL_NAV = [
  { href: '/meetings', label: 'My meetings' },
  { href: '/settings/account', label: 'Account' },
];

const ADMIN_NAV = [
  { href: '/settings/organization/developer', label: 'Developer' },
  { href: '/settings/organization/members', label: 'Members' },
  { href: '/settings/organization/privacy', label: 'Privacy' },
  { href: '/settings/organization/audit', label: 'Audit log' },
];

function NavList({ items, pathname }: { items: typeof PERSONAL_NAV; pathname: string }) {
  return (
    <ul className="nav__list">
      {items.map((item) => (
        <li key={item.href}>
          <Link
            href={item.href}
            className="nav__link"
            aria-current={pathname === item.href ? 'page' : undefined}
          >
            {item.label}
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** The signed-in frame: header with the org and the user, navigation, and the page. */
export function Shell({ me, pathname, children }: { me: Me; pathname: string; children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  usePageFocus(pathname);
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSuccess: () => {
        // Nothing of this session may linger in memory for the next person at this browser.
        queryClient.clear();
        queryClient.setQueryData(trpc.auth.me.queryKey(), null);
        navigate('/signin', { replace: true });
      },
    }),
  );
  const isAdmin = me.user.role === 'admin';
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/meetings" className="brand">
          <span className="brand__mark" aria-hidden="true">
            ⌾
          </span>
          Keyhole
        </Link>
        <span className="topbar__org">{me.org.name}</span>
        <div className="topbar__user">
          <span>
            {me.user.name}
            <span className="topbar__role">{isAdmin ? 'Admin' : 'Member'}</span>
          </span>
          <button
            type="button"
            className="button button--ghost"
            onClick={() => signOut.mutate()}
            disabled={signOut.isPending}
          >
            {signOut.isPending ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </header>
      <div className="shell__body">
        <nav className="nav" aria-label="Main">
          <NavList items={PERSONAL_NAV} pathname={pathname} />
          {isAdmin ? (
            <>
              <h2 className="nav__heading">Organization</h2>
              <NavList items={ADMIN_NAV} pathname={pathname} />
            </>
          ) : null}
        </nav>
        <main id="main" className="main">
          {signOut.isError ? <ErrorMessage error={signOut.error} title="Could not sign out." /> : null}
          {children}
        </main>
      </div>
    </div>
  );
}
