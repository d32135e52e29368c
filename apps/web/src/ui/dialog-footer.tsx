import type { ReactNode } from 'react';

interface DialogFooterProps {
  /** Cancel's action; both buttons are disabled while `busy` (a request is in flight). */
  onCancel: () => void;
  busy: boolean;
  /** The primary button's text, and its text while `busy` ("Creating…"). */
  text: { submit: ReactNode; busy: ReactNode };
  /** A destructive action (delete, deactivate, regenerate) is red. */
  danger?: boolean;
  /** Without it the primary button submits the dialog's form; with it, it is a plain button. */
  onConfirm?: () => void;
}

/** A dialog's Cancel and primary action, right-aligned in this order. */
export function DialogFooter({ onCancel, busy, text, danger = false, onConfirm }: DialogFooterProps) {
  return (
    <div className="form__actions">
      <button type="button" className="button" onClick={onCancel} disabled={busy}>
        Cancel
      </button>
      <button
        type={onConfirm ? 'button' : 'submit'}
        className={danger ? 'button button--danger' : 'button button--primary'}
        onClick={onConfirm}
        disabled={busy}
      >
        {busy ? text.busy : text.submit}
      </button>
    </div>
  );
}

/** The one button that closes a dialog whose work is done. */
export function DoneFooter({ onDone }: { onDone: () => void }) {
  return (
    <div className="form__actions">
      <button type="button" className="button button--primary" onClick={onDone}>
        Done
      </button>
    </div>
  );
}
