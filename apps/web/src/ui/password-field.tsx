import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@keyhole/core';
import type { ComponentProps } from 'react';
import { Field } from './field';

type PasswordFieldProps = Omit<ComponentProps<typeof Field>, 'type'> & {
  /** "current-password" to sign in with, "new-password" for one being chosen. */
  autoComplete: 'current-password' | 'new-password';
};

/** A required password input. */
export function PasswordField(props: PasswordFieldProps) {
  return <Field type="password" required {...props} />;
}

type NewPasswordFieldProps = Omit<
  ComponentProps<typeof Field>,
  'type' | 'autoComplete' | 'minLength' | 'maxLength' | 'hint'
> & {
  /** Said after "At least 12 characters." */
  advice?: string;
};

/** A password being chosen: the API's length bounds, and the minimum said in the hint. */
export function NewPasswordField({ advice, ...field }: NewPasswordFieldProps) {
  return (
    <PasswordField
      autoComplete="new-password"
      minLength={PASSWORD_MIN_LENGTH}
      maxLength={PASSWORD_MAX_LENGTH}
      hint={
        advice
          ? `At least ${PASSWORD_MIN_LENGTH} characters. ${advice}`
          : `At least ${PASSWORD_MIN_LENGTH} characters.`
      }
      {...field}
    />
  );
}
