import type { ComponentProps } from 'react';
import { Field } from './field';

type EmailFieldProps = Omit<ComponentProps<typeof Field>, 'label' | 'type' | 'name' | 'autoComplete'>;

/** The email an account signs in with: required, and offered by password managers as the username. */
export function EmailField(props: EmailFieldProps) {
  return <Field label="Email" type="email" name="email" autoComplete="username" required {...props} />;
}
