import type { ReactNode } from 'react';
import { errorMessage } from '../lib/trpc';

/** An API failure, in the API's own words; announced at once by screen readers. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div className="notice notice--error" role="alert">
      {title ? <strong className="notice__title">{title}</strong> : null}
      <span>{errorMessage(error)}</span>
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="loading__spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty__title">{title}</p>
      {children ? <div className="empty__body">{children}</div> : null}
    </div>
  );
}

export function Notice({ tone = 'info', children }: { tone?: 'info' | 'warning'; children: ReactNode }) {
  return <div className={`notice notice--${tone}`}>{children}</div>;
}
