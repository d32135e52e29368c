import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { type RouterOutputs, useTRPC } from '../lib/trpc';
import { PageHeader } from '../ui/page-header';
import { SettingToggle } from '../ui/setting-toggle';
import { ErrorMessage, Loading } from '../ui/status';
import { useToast } from '../ui/toasts';

type Settings = RouterOutputs['org']['get']['settings'];
type LeakedKeyAction = Settings['leakedKeyAction'];
type ToggleSetting = 'orgFullKeysIncludePrivate' | 'allowKeyReveal';

const SETTING_TITLES: Record<ToggleSetting, string> = {
  orgFullKeysIncludePrivate: 'Organization – full access keys include private meetings',
  allowKeyReveal: 'Admins can copy existing keys',
};

const LEAK_CHOICES: { value: LeakedKeyAction; label: string; hint: string }[] = [
  {
    value: 'revoke',
    label: 'Revoke it at once (recommended)',
    hint: 'The integration using it stops working until you give it a new key; nobody else can use the published one.',
  },
  {
    value: 'notify',
    label: 'Keep it working and warn',
    hint: 'The key is flagged on the Developer page and its webhooks are turned off, and it stays usable until you regenerate or delete it.',
  },
];

export function PrivacyPage() {
  const trpc = useTRPC();
  const org = useQuery(trpc.org.get.queryOptions());
  return (
    <>
      <PageHeader
        title="Privacy"
        description={
          <p>What API keys may see and who may copy them. Changes apply to every key within a second.</p>
        }
      />
      {org.isPending ? <Loading label="Loading settings…" /> : null}
      {org.isError ? <ErrorMessage error={org.error} title="Could not load settings." /> : null}
      {/* Keyed by the saved values, so the form starts again from what the server holds. */}
      {org.data ? <PrivacyForm key={JSON.stringify(org.data.settings)} saved={org.data.settings} /> : null}
    </>
  );
}

function PrivacyForm({ saved }: { saved: Settings }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [draft, setDraft] = useState<Settings>(saved);
  const update = useMutation(
    trpc.org.updateSettings.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.org.get.queryFilter());
        await queryClient.invalidateQueries(trpc.auth.me.queryFilter());
        toast('Privacy settings saved.');
      },
    }),
  );
  const leakGroup = useId();
  const changed = (Object.keys(saved) as (keyof Settings)[]).some((k) => draft[k] !== saved[k]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(draft);
  };
  const toggle = (key: ToggleSetting) => ({
    title: SETTING_TITLES[key],
    checked: draft[key],
    onChange: (on: boolean) => setDraft({ ...draft, [key]: on }),
  });
  return (
    <form className="settings" onSubmit={submit}>
      <ErrorMessage error={update.error} title="The settings were not saved." />
      <SettingToggle textId="setting-private-text" {...toggle('orgFullKeysIncludePrivate')}>
        <p>
          Organization – full access is the broadest scope available: the key has org-wide access and includes
          the meetings your org’s settings allow, including private ones. Turn this off to keep private
          meetings out of every Organization – full access key; they then see only non-private meetings, like
          Organization – limited access.
        </p>
        <p className="muted">
          User – full access keys always include their user’s own private meetings. Limited-access keys never
          see private meetings. Legacy keys keep reading every meeting, as they did before scopes.
        </p>
      </SettingToggle>
      <SettingToggle textId="setting-reveal-text" {...toggle('allowKeyReveal')}>
        <p>
          When on, any org admin can open the Developer page and copy a key string directly from the key list;
          every copy is recorded in the audit log. When off, a key string is shown only once, when the key is
          created or regenerated.
        </p>
        <p className="muted">
          If a key is compromised, revoke it immediately from Settings → Organization → Developer and create a
          replacement, or regenerate it.
        </p>
      </SettingToggle>
      <section className="card setting">
        <fieldset className="fieldset" aria-describedby={`${leakGroup}-text`}>
          <legend className="setting__title">When a secret scanner finds one of our keys published</legend>
          <p className="setting__lead" id={`${leakGroup}-text`}>
            GitHub’s secret scanning reports keys pushed to public repositories, gists and packages to
            Keyhole. Every report is recorded in the audit log and disables the key’s webhooks.
          </p>
          {LEAK_CHOICES.map((c) => (
            <label key={c.value} className="radio">
              <input
                type="radio"
                name={leakGroup}
                value={c.value}
                checked={draft.leakedKeyAction === c.value}
                onChange={() => setDraft({ ...draft, leakedKeyAction: c.value })}
              />
              <span>
                {c.label}
                <span className="radio__hint">{c.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {draft.leakedKeyAction === 'notify' ? (
          <p className="notice notice--warning setting__risk">
            Anyone who found the published key can read your meetings with it until an admin regenerates or
            deletes it, which may be hours after the report.
          </p>
        ) : null}
      </section>
      <div className="form__actions form__actions--start">
        <button type="submit" className="button button--primary" disabled={!changed || update.isPending}>
          {update.isPending ? 'Saving…' : 'Save changes'}
        </button>
        {changed ? (
          <button
            type="button"
            className="button"
            onClick={() => setDraft(saved)}
            disabled={update.isPending}
          >
            Discard
          </button>
        ) : null}
      </div>
    </form>
  );
}
