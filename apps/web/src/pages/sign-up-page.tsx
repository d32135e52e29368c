import { ORG_NAME_MAX_LENGTH, PERSON_NAME_MAX_LENGTH } from '@keyhole/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from '../lib/router';
import { useTRPC } from '../lib/trpc';
import { EmailField } from '../ui/email-field';
import { Field } from '../ui/field';
import { NewPasswordField } from '../ui/password-field';
import { ErrorMessage } from '../ui/status';
import { AuthLayout } from './auth-layout';

export function SignUpPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ orgName: '', name: '', email: '', password: '' });
  useEffect(() => {
    document.title = 'Create your organization · Keyhole';
  }, []);
  const signUp = useMutation(
    trpc.auth.signUp.mutationOptions({
      onSuccess: (account) => queryClient.setQueryData(trpc.auth.me.queryKey(), account),
    }),
  );
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));
  // A required input named for its key in the form.
  const input = (field: keyof typeof form) => ({
    name: field,
    required: true,
    value: form[field],
    onChange: set(field),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signUp.mutate(form);
  };
  return (
    <AuthLayout title="Create your organization">
      <form className="form" onSubmit={submit}>
        <ErrorMessage error={signUp.error} />
        <Field
          label="Organization name"
          autoComplete="organization"
          maxLength={ORG_NAME_MAX_LENGTH}
          {...input('orgName')}
        />
        <Field label="Your name" autoComplete="name" maxLength={PERSON_NAME_MAX_LENGTH} {...input('name')} />
        <EmailField value={form.email} onChange={set('email')} />
        <NewPasswordField
          label="Password"
          advice="A few unrelated words make a good one."
          {...input('password')}
        />
        <button type="submit" className="button button--primary button--block" disabled={signUp.isPending}>
          {signUp.isPending ? 'Creating…' : 'Create organization'}
        </button>
      </form>
      <p className="auth__switch">
        Already have an account? <Link href="/signin">Sign in</Link>
      </p>
    </AuthLayout>
  );
}
