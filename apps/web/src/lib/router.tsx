import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useRef, useSyncExternalStore } from 'react';

/**
 * A history router small enough to read in one go: the URL is the state, `navigate` pushes it and
 * every subscriber re-renders. The API process answers every page URL with index.html (SPA fallback),
 * so each page has a real, shareable address.
 */
const NAVIGATE_EVENT = 'keyhole:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

const currentPath = () => window.location.pathname;
const currentSearch = () => window.location.search;

export function usePathname(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

export function useSearchParam(name: string): string | null {
  const search = useSyncExternalStore(subscribe, currentSearch);
  return new URLSearchParams(search).get(name);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** Renders nothing and moves to `to`, replacing the current entry (for guards and "/"). */
export function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string };

/** A real anchor (so middle-click, copy link and screen readers work) that navigates in place. */
export function Link({ href, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}

/**
 * After an in-app navigation (not the first load), focus moves to the new page's heading so that
 * screen readers announce it and Tab continues from the top of the page; the title follows it.
 */
export function usePageFocus(pathname: string): void {
  const first = useRef(true);
  useEffect(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    document.title = heading?.textContent ? `${heading.textContent} · Keyhole` : 'Keyhole';
    if (first.current) {
      first.current = false;
      return;
    }
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }, [pathname]);
}
