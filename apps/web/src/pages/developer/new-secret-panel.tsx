import { useId } from 'react';
import { CopyButton } from '../../ui/copy-button';
import { DoneFooter } from '../../ui/dialog-footer';
import { whoamiCurl } from './whoami-command';

type NewSecretPanelProps = { secret: string; note: string; onDone: () => void };

/**
 * The full key string after create or regenerate, with a Copy button, what to do with it (`note`), a
 * ready `whoami` command to check it works, and Done. It lives only in this component's props: nothing
 * caches it, and closing the dialog drops it.
 */
export function NewSecretPanel({ secret, note, onDone }: NewSecretPanelProps) {
  const id = useId();
  const command = whoamiCurl(window.location.origin, secret);
  return (
    <>
      <div className="secret">
        <p className="secret__label">
          API key (<code>CLIENT_KEY:CLIENT_SECRET</code>)
        </p>
        <code className="secret__value" id={id} data-testid="key-secret">
          {secret}
        </code>
        <CopyButton text={secret} targetId={id} autoFocus />
        <p className="secret__note">{note}</p>
        <p className="secret__label">Check that it works</p>
        <pre className="secret__command">
          <code id={`${id}-curl`} data-testid="whoami-curl">
            {command}
          </code>
        </pre>
        <CopyButton text={command} targetId={`${id}-curl`} label="Copy command" primary={false} />
        <p className="secret__note">It asks the API who the key belongs to (whoami) and changes nothing.</p>
      </div>
      <DoneFooter onDone={onDone} />
    </>
  );
}
