import type { ReactNode, RefObject } from 'react';
import { DialogFooter } from './dialog-footer';
import { Modal } from './modal';
import { ErrorMessage } from './status';

/** A form dialog's words: its title, the failure's heading, and the submit button's text and busy text. */
export interface FormDialogText {
  title: string;
  failed: string;
  submit: string;
  busy: string;
}

interface FormDialogProps {
  text: FormDialogText;
  onClose: () => void;
  /** A request is in flight: the dialog cannot be closed and its buttons are disabled. */
  busy: boolean;
  /** The form was submitted (its default, a page load, is prevented). */
  onSubmit: () => void;
  /** From useFieldErrors: the form to focus the first invalid field in, and the failure shown above it. */
  errors: { formRef: RefObject<HTMLFormElement | null>; general: unknown };
  /** The form's fields. */
  children: ReactNode;
}

/** A dialog holding one form: the failure above its fields, Cancel and submit below them. */
export function FormDialog({ text, onClose, busy, onSubmit, errors, children }: FormDialogProps) {
  return (
    <Modal title={text.title} onClose={onClose} busy={busy}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
        ref={errors.formRef}
      >
        <ErrorMessage error={errors.general} title={text.failed} />
        {children}
        <DialogFooter onCancel={onClose} busy={busy} text={text} />
      </form>
    </Modal>
  );
}
