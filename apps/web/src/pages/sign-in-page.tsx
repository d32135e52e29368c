import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from '../lib/router';
import { useTRPC } from '../lib/trpc';
import { EmailField } from '../ui/email-field';
import { PasswordField } from '../ui/password-field';
import { ErrorMessage } from '../ui/status';
import { AuthLayout } from './auth-layout';

export function SignInPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  useEffect(() => {
    document.title = 'Sign in · Keyhole';
  }, []);
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      // The app re-renders as signed in and the sign-in URL then forwards to ?next= or home.
      onSuccess: (account) => queryClient.setQueryData(trpc.auth.me.queryKey(), account),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email, password });
  };
  return (
    <AuthLayout title="Sign in">
      <form className="form" onSubmit={submit}>
        <ErrorMessage error={signIn.error} />
        <EmailField value={email} onChange={(e) => setEmail(e.target.value)} />
        <PasswordField
          label="Password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="button button--primary button--block" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="auth__switch">
        New to Keyhole? <Link href="/signup">Create an organization</Link>
      </p>
    </AuthLayout>
  );
}
