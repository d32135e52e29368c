/**
 * Text that PostgreSQL stores as it was sent. A `text` column refuses NUL (U+0000) outright, and
 * a `jsonb` value refuses both `\u0000` and a UTF-16 surrogate half without its partner; a text
 * column would silently turn that half into U+FFFD. Every free-text input that reaches the
 * database (names, subjects, emails used in look-ups) must pass this check, so a client gets a
 * 400 naming the field instead of a 500 or a silently changed value.
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !UNPAIRED_SURROGATE.test(s);
}
