/** The keys of a form whose values are strings. */
type TextKeys<T> = { [K in keyof T]: T[K] extends string ? K : never }[keyof T] & string;

/**
 * A text control's `value`, server `error` and `onChange` for one key of a form, to spread onto a
 * <Field>: `{...text('name')}`. `edit` is the form's formEditor.
 */
export function textFieldBinder<T, F extends string>(
  form: T,
  errors: { at: (field: F) => string | undefined },
  edit: <K extends keyof T & string>(key: K, value: T[K]) => void,
) {
  return <K extends TextKeys<T> & F>(key: K) => ({
    value: form[key] as string,
    error: errors.at(key),
    onChange: (e: { target: { value: string } }) => edit(key, e.target.value as T[K]),
  });
}
