import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, navigate, usePageFocus } from './lib/router';
import { type Me, useTRPC } from './lib/trpc';
import { MenuIcon } from './ui/icons';
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

const NAV_ID = 'main-nav';

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

/**
 * On narrow screens (and at 200 % zoom) the navigation folds behind a Menu button (a disclosure:
 * aria-expanded, Escape closes it and hands focus back to the button; following a link closes it and
 * the page's heading takes focus). The menu opens in the flow, pushing the page down, so nothing is
 * covered and no focus trap is needed.
 */
function useMenu(pathname: string) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  // A new page closes the menu.
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      // A dialog's own Escape is the dialog's, not the menu's.
      if (event.key !== 'Escape' || event.defaultPrevented || document.querySelector('dialog[open]')) return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  return { open, toggle: () => setOpen((o) => !o), button };
}

/** The signed-in frame: header with the org and the user, navigation, and the page. */
export function Shell({ me, pathname, children }: { me: Me; pathname: string; children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  usePageFocus(pathname);
  const menu = useMenu(pathname);
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
  // Shown in the header on wide screens and at the foot of the menu on narrow ones (CSS picks one;
  // the other is display: none, so neither assistive technology nor Tab meets it twice).
  const account = (where: 'topbar' | 'menu') => (
    <div className={`account account--${where}`}>
      <span className="account__who">
        <span className="account__name">{me.user.name}</span>
        <span className="account__role">{isAdmin ? 'Admin' : 'Member'}</span>
        <span className="account__org">{me.org.name}</span>
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
  );
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
        {account('topbar')}
        <button
          ref={menu.button}
          type="button"
          className="button button--ghost menu-button"
          aria-expanded={menu.open}
          aria-controls={NAV_ID}
          onClick={menu.toggle}
        >
          <MenuIcon />
          Menu
        </button>
      </header>
      <div className="shell__body">
        <nav id={NAV_ID} className={`nav ${menu.open ? 'nav--open' : ''}`} aria-label="Main">
          <NavList items={PERSONAL_NAV} pathname={pathname} />
          {isAdmin ? (
            <>
              <h2 className="nav__heading">Organization</h2>
              <NavList items={ADMIN_NAV} pathname={pathname} />
            </>
          ) : null}
          {account('menu')}
        </nav>
        <main id="main" className="main">
          {signOut.isError ? <ErrorMessage error={signOut.error} title="Could not sign out." /> : null}
          {children}
        </main>
      </div>
    </div>
  );
}
