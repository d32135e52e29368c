import { type Dispatch, type SetStateAction, useEffect, useMemo, useRef, useState } from 'react';
import { errorCode } from './trpc';

export interface SplitErrors<F extends string> {
  /** Each named field's message, as the server worded it (without the field name). */
  fields: Partial<Record<F, string>>;
  /** The failure to show above the form: anything that did not land at one of `fields`. */
  general: unknown;
}

const sentence = (s: string) => {
  const t = s.trim();
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/**
 * A BAD_REQUEST message names its field (SPEC §5): "name: …; endAt: …" from input validation, or
 * "name must not be empty" from a domain rule. Each part naming one of `fields` (a nested path such
 * as `attendees.2.email` counts for `attendees`) belongs at that field.
 */
function splitFieldErrors<F extends string>(error: unknown, fields: readonly F[]): SplitErrors<F> {
  if (!error || errorCode(error) !== 'BAD_REQUEST' || !(error instanceof Error))
    return { fields: {}, general: error };
  const found: Partial<Record<F, string>> = {};
  let unplaced = false;
  for (const part of error.message.split('; ')) {
    const match = /^([A-Za-z]\w*)(?:\.[\w.]+)?(?::\s*|\s+)(.+)$/s.exec(part);
    const field = match?.[1] as F | undefined;
    if (match && field && fields.includes(field)) {
      found[field] = found[field] ? `${found[field]} ${sentence(match[2]!)}` : sentence(match[2]!);
    } else {
      unplaced = true;
    }
  }
  return { fields: found, general: unplaced ? error : null };
}

/**
 * Server validation errors at their fields, each cleared as soon as its field is edited. Derived from
 * the mutation's error, so a new failure brings back every message it carries; the first field in
 * error takes focus, so a screen reader reads its message (tied by aria-describedby) at once.
 */
export function useFieldErrors<F extends string>(error: unknown, fields: readonly F[]) {
  const [edited, setEdited] = useState<{ error: unknown; fields: ReadonlySet<F> }>({
    error: null,
    fields: new Set(),
  });
  // `fields` is each form's module constant, so the error alone decides.
  const split = useMemo(() => splitFieldErrors(error, fields), [error]);
  const gone = edited.error === error ? edited.fields : new Set<F>();
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (Object.keys(split.fields).length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [split]);
  return {
    formRef,
    general: split.general,
    at: (field: F): string | undefined => (gone.has(field) ? undefined : split.fields[field]),
    /** The person changed this control: its message goes (a control without one is ignored). */
    edited: (field: string) => {
      const f = field as F;
      if (split.fields[f] === undefined || gone.has(f)) return;
      setEdited({ error, fields: new Set([...gone, f]) });
    },
  };
}

/** A form's `edit(key, value)`: sets the value, and the field's server message goes (see `edited`). */
export function formEditor<T>(
  setForm: Dispatch<SetStateAction<T>>,
  errors: { edited: (field: string) => void },
) {
  return <K extends keyof T & string>(key: K, value: T[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    errors.edited(key);
  };
}
