import type { UseMutationResult } from '@tanstack/react-query';
import type { KeyView } from '../../lib/trpc';
import { Modal } from '../../ui/modal';
import { ErrorMessage, Loading } from '../../ui/status';
import { KeySecret } from './key-secret';

type RevealMutation = Pick<
  UseMutationResult<{ secret: string }, unknown, { id: string }>,
  'data' | 'error' | 'isPending'
>;

/** Copy for an existing key: the row's click already asked the server (one audited reveal). */
export function RevealKeyDialog({
  apiKey,
  reveal,
  onClose,
}: {
  apiKey: KeyView;
  reveal: RevealMutation;
  onClose: () => void;
}) {
  return (
    <Modal title={`Copy “${apiKey.name}”`} onClose={onClose}>
      {reveal.isPending ? <Loading label="Fetching the key…" /> : null}
      <ErrorMessage error={reveal.error} title="The key could not be shown." />
      {reveal.data ? (
        <KeySecret
          secret={reveal.data.secret}
          note="Every copy is recorded in the audit log. If this key may have leaked, regenerate it."
        />
      ) : null}
      <div className="form__actions">
        <button type="button" className="button" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
