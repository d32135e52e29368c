import { useState } from 'react';
import { CopyIcon } from './icons';

/**
 * Copies `text` to the clipboard and says so in a live region. Where the Clipboard API is missing
 * (plain-HTTP origins other than localhost) it selects the text next to it so Ctrl+C works.
 */
export function CopyButton({
  text,
  targetId,
  label = 'Copy',
  autoFocus = false,
  primary = true,
}: {
  text: string;
  targetId: string;
  label?: string;
  autoFocus?: boolean;
  primary?: boolean;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      const target = document.getElementById(targetId);
      if (target) window.getSelection()?.selectAllChildren(target);
      setState('manual');
    }
  };
  return (
    <span className="copy">
      <button
        type="button"
        className={`button ${primary ? 'button--primary' : ''}`}
        onClick={copy}
        // biome-ignore lint/a11y/noAutofocus: the key just appeared in a dialog; copying it is the next step
        autoFocus={autoFocus}
      >
        <CopyIcon />
        {label}
      </button>
      <span className="copy__status" role="status" aria-live="polite">
        {state === 'copied' ? 'Copied to the clipboard.' : null}
        {state === 'manual' ? 'Selected: press Ctrl+C (⌘C on a Mac) to copy.' : null}
      </span>
    </span>
  );
}
