import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTRPC } from '../lib/trpc';
import { PageHeader } from '../ui/page-header';
import { SettingToggle } from '../ui/setting-toggle';
import { ErrorMessage, Loading } from '../ui/status';
import { useToast } from '../ui/toasts';

type Settings = { orgFullKeysIncludePrivate: boolean; allowKeyReveal: boolean };

const SETTING_TITLES: Record<keyof Settings, string> = {
  orgFullKeysIncludePrivate: 'Organization – full access keys include private meetings',
  allowKeyReveal: 'Admins can copy existing keys',
};

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
  const changed =
    draft.orgFullKeysIncludePrivate !== saved.orgFullKeysIncludePrivate ||
    draft.allowKeyReveal !== saved.allowKeyReveal;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(draft);
  };
  const toggle = (key: keyof Settings) => ({
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
