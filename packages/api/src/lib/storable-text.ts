import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '@keyhole/core';
import type { z } from 'zod';

/**
 * Every free-text input field that reaches the database goes through this (names, subjects, email
 * look-ups): PostgreSQL refuses NUL, and jsonb refuses unpaired surrogates, so without it such
 * input was a 500 (and a text column silently changed the value). See core's `isStorableText`.
 */
export function storableText<S extends z.ZodString>(schema: S): S {
  return schema.refine(isStorableText, { error: UNSTORABLE_TEXT_MESSAGE }) as S;
}
