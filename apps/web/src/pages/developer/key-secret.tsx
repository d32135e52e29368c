import { useId } from 'react';
import { CopyButton } from '../../ui/copy-button';

/**
 * The full key string after create, regenerate or reveal, with a Copy button. It lives only in this
 * component's props: nothing caches it, and closing the dialog drops it.
 */
export function KeySecret({ secret, note }: { secret: string; note: string }) {
  const id = useId();
  return (
    <div className="secret">
      <p className="secret__label">
        API key (<code>CLIENT_KEY:CLIENT_SECRET</code>)
      </p>
      <code className="secret__value" id={id} data-testid="key-secret">
        {secret}
      </code>
      <CopyButton text={secret} targetId={id} autoFocus />
      <p className="secret__note">{note}</p>
    </div>
  );
}
