import { SECRET_PREFIX } from '@keyhole/core';
import { useState } from 'react';
import { useIdempotentMutation } from '../../lib/idempotent-mutation';
import { type KeyView, useTRPCClient } from '../../lib/trpc';
import { IconButton } from '../../ui/icon-button';
import { CopyIcon, EyeIcon } from '../../ui/icons';
import { ErrorMessage } from '../../ui/status';
import { useStepUp } from '../../ui/step-up';

/**
 * A key's string in the list: masked, with Show and Copy right there. The secret is asked of the
 * server (an audited `keys.reveal`) only on a click, held while it is shown, and dropped on Hide or
 * after a copy. When the org turned copying off, only the public client key is shown.
 */
export function KeyString({ apiKey, allowReveal }: { apiKey: KeyView; allowReveal: boolean }) {
  const client = useTRPCClient();
  const stepUp = useStepUp();
  const [secret, setSecret] = useState<string | null>(null);
  const [status, setStatus] = useState<'copied' | 'manual' | null>(null);
  const reveal = useIdempotentMutation<{ id: string }, { id: string }, { secret: string }>((input, opts) =>
    stepUp(() => client.keys.reveal.mutate(input, opts)),
  );
  const valueId = `key-string-${apiKey.id}`;
  const name = apiKey.name;
  const busy = reveal.isPending || undefined;

  const fetchSecret = async (): Promise<string | null> => {
    if (secret) return secret;
    try {
      return (await reveal.submitAsync({ id: apiKey.id }, () => ({ id: apiKey.id }))).secret;
    } catch {
      return null; // shown by the ErrorMessage below; the button stays usable for a retry
    }
  };

  // aria-disabled, not disabled, while the key is fetched: a disabled button would drop the focus.
  const toggle = async () => {
    if (reveal.isPending) return;
    setStatus(null);
    if (secret) return setSecret(null);
    setSecret(await fetchSecret());
  };

  const copy = async () => {
    if (reveal.isPending) return;
    setStatus(null);
    const value = await fetchSecret();
    if (!value) return;
    try {
      await navigator.clipboard.writeText(value);
      // The string was not put in the page: a copy alone leaves it only on the clipboard.
      setStatus('copied');
    } catch {
      // No Clipboard API (plain HTTP, or the click's activation ran out while the server answered):
      // show it selected, for Ctrl+C.
      setSecret(value);
      setStatus('manual');
      requestAnimationFrame(() => {
        const target = document.getElementById(valueId);
        if (target) window.getSelection()?.selectAllChildren(target);
      });
    }
  };

  return (
    <div className="key-string">
      <code className="key-string__value" id={valueId} data-testid="key-string">
        {secret ?? (
          <>
            {apiKey.clientKey}:{SECRET_PREFIX}
            <span aria-hidden="true">••••••••••••</span>
            <span className="visually-hidden">(secret hidden)</span>
          </>
        )}
      </code>
      {allowReveal ? (
        <>
          <IconButton
            label={`${secret ? 'Hide' : 'Show'} ${name}`}
            aria-controls={valueId}
            title={secret ? 'Hide key' : 'Show key (recorded in the audit log)'}
            aria-disabled={busy}
            onClick={toggle}
            icon={<EyeIcon crossed={Boolean(secret)} />}
          />
          <IconButton
            label={`Copy ${name}`}
            title="Copy key (recorded in the audit log)"
            aria-disabled={busy}
            onClick={copy}
            icon={<CopyIcon />}
          />
        </>
      ) : null}
      <span className="key-string__status" role="status">
        {reveal.isPending ? 'Fetching the key…' : null}
        {status === 'copied' ? 'Copied to the clipboard.' : null}
        {status === 'manual' ? 'Selected: press Ctrl+C (⌘C on a Mac) to copy.' : null}
      </span>
      <ErrorMessage error={reveal.error} title="The key could not be fetched." />
    </div>
  );
}
