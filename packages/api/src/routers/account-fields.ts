import {
  EMAIL_MAX_LENGTH,
  ORG_NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PERSON_NAME_MAX_LENGTH,
} from '@keyhole/core';
import { z } from 'zod';
import { storableText } from '../lib/storable-text';

/** Input fields shared by sign-up, sign-in and members.add. */

// Stored as typed (trimmed); compared case-insensitively everywhere.
export const emailField = z
  .string()
  .trim()
  .max(EMAIL_MAX_LENGTH)
  .pipe(z.email({ error: 'must be a valid email address' }));

export const NEW_PASSWORD_MIN = PASSWORD_MIN_LENGTH;
export const NEW_PASSWORD_MAX = PASSWORD_MAX_LENGTH;
export const newPasswordField = z
  .string()
  .min(NEW_PASSWORD_MIN, `must be at least ${NEW_PASSWORD_MIN} characters`)
  .max(NEW_PASSWORD_MAX, `must be at most ${NEW_PASSWORD_MAX} characters`);

// A password being checked: any non-empty string up to the longest one we ever accept.
export const passwordToCheckField = z.string().min(1).max(NEW_PASSWORD_MAX);

export const personNameField = storableText(
  z.string().trim().min(1, 'must not be empty').max(PERSON_NAME_MAX_LENGTH),
);
export const orgNameField = storableText(
  z.string().trim().min(1, 'must not be empty').max(ORG_NAME_MAX_LENGTH),
);

// Sign-in looks any string up, so it takes whatever was typed, within what the database can compare.
export const emailToCheckField = storableText(z.string().trim().min(1).max(EMAIL_MAX_LENGTH));
