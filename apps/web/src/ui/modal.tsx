import { type ReactNode, useEffect, useId, useRef } from 'react';

interface ModalProps {
  title: string;
  /** Called for Escape and the close button; ignored while `busy` (a request is in flight). */
  onClose: () => void;
  busy?: boolean;
  children: ReactNode;
  /** Mark the dialog as an alert (a confirmation of something destructive). */
  alert?: boolean;
}

// Where focus starts: the first field, else the first control of the body (Cancel, in a confirmation).
const FIRST_FIELD = 'input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea:not(:disabled)';
const FIRST_CONTROL = 'button:not(:disabled), [href], [tabindex]:not([tabindex="-1"])';

/**
 * A native <dialog> opened with showModal(): the browser traps focus inside it, makes the rest of the
 * page inert and closes it on Escape. showModal() alone would focus the header's × first, where a
 * space typed for the first field closes the dialog, so focus is moved to the body's first field.
 * Mounted only while open, so its form starts fresh each time; on unmount focus goes back to whatever
 * opened it.
 */
export function Modal({ title, onClose, busy = false, children, alert = false }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    const body = dialog.querySelector('.modal__body');
    const first =
      body?.querySelector<HTMLElement>(FIRST_FIELD) ?? body?.querySelector<HTMLElement>(FIRST_CONTROL);
    first?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
      else document.querySelector<HTMLElement>('main h1')?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={titleId}
      role={alert ? 'alertdialog' : undefined}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      <div className="modal__header">
        <h2 id={titleId} className="modal__title">
          {title}
        </h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose} disabled={busy}>
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
            <path d="M3.5 3.5l9 9m0-9l-9 9" stroke="currentColor" strokeWidth="1.6" fill="none" />
          </svg>
        </button>
      </div>
      <div className="modal__body">{children}</div>
    </dialog>
  );
}
