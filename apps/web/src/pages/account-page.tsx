import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { formatDate } from '../lib/format';
import { type Me, useTRPC } from '../lib/trpc';
import { PageHeader } from '../ui/page-header';
import { NewPasswordField, PasswordField } from '../ui/password-field';
import { ErrorMessage } from '../ui/status';
import { useToast } from '../ui/toasts';

export function AccountPage({ me }: { me: Me }) {
  return (
    <div className="narrow">
      <PageHeader title="Account" description="Your profile and password." />
      <section className="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading" className="card__title">
          Profile
        </h2>
        <dl className="details">
          <dt>Name</dt>
          <dd>{me.user.name}</dd>
          <dt>Email</dt>
          <dd>{me.user.email}</dd>
          <dt>Organization</dt>
          <dd>{me.org.name}</dd>
          <dt>Role</dt>
          <dd>{me.user.role === 'admin' ? 'Admin' : 'Member'}</dd>
          <dt>Member since</dt>
          <dd>{formatDate(me.user.createdAt)}</dd>
        </dl>
      </section>
      <ChangePasswordCard />
    </div>
  );
}

function ChangePasswordCard() {
  const trpc = useTRPC();
  const toast = useToast();
  const empty = { currentPassword: '', newPassword: '', confirm: '' };
  const [form, setForm] = useState(empty);
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setForm(empty);
        toast('Password changed. Your other sessions were signed out.');
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (form.newPassword !== form.confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate({ currentPassword: form.currentPassword, newPassword: form.newPassword });
  };
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));
  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading" className="card__title">
        Change password
      </h2>
      <p className="card__text">Changing your password signs you out everywhere else.</p>
      <form className="form form--narrow" onSubmit={submit}>
        <ErrorMessage error={change.error} />
        {mismatch ? (
          <div className="notice notice--error" role="alert">
            The new passwords do not match.
          </div>
        ) : null}
        <PasswordField
          label="Current password"
          autoComplete="current-password"
          value={form.currentPassword}
          onChange={set('currentPassword')}
        />
        <NewPasswordField label="New password" value={form.newPassword} onChange={set('newPassword')} />
        <PasswordField
          label="Confirm new password"
          autoComplete="new-password"
          value={form.confirm}
          onChange={set('confirm')}
        />
        <div>
          <button type="submit" className="button button--primary" disabled={change.isPending}>
            {change.isPending ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}
