import type { ReactNode } from 'react';
import { errorMessage } from '../lib/trpc';

/**
 * An API failure, in the API's own words; announced at once by screen readers. A failed load passes
 * `onRetry`, so trying again does not take a page reload.
 */
export function ErrorMessage({
  error,
  title,
  onRetry,
  retrying = false,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  retrying?: boolean;
}) {
  if (!error) return null;
  return (
    <div className="notice notice--error" role="alert">
      {title ? <strong className="notice__title">{title}</strong> : null}
      <span>{errorMessage(error)}</span>
      {onRetry ? (
        <button
          type="button"
          className="button button--small notice__retry"
          onClick={onRetry}
          disabled={retrying}
        >
          {retrying ? 'Trying again…' : 'Try again'}
        </button>
      ) : null}
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
