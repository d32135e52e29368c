import { useMutation } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useState } from 'react';
import { useFieldErrors } from '../lib/field-errors';
import { errorReason, useTRPCClient } from '../lib/trpc';
import { FormDialog, type FormDialogText } from './form-dialog';
import { PasswordField } from './password-field';

/** Asks for the password; resolves once it is confirmed, rejects when the person cancels. */
type AskForPassword = () => Promise<void>;

const StepUpContext = createContext<AskForPassword | null>(null);

class StepUpCancelled extends Error {}

const TEXT: FormDialogText = {
  title: 'Confirm your password to continue',
  failed: 'Your password was not confirmed.',
  submit: 'Confirm password',
  busy: 'Confirming…',
};

const FIELDS = ['password'] as const;

/**
 * Step-up (SPEC §5), as GitHub's sudo mode: creating, regenerating and copying keys needs the
 * password entered recently. The dialog sits above whatever asked (a dialog of its own, often), so
 * it lives here, once, beside the app.
 */
export function StepUpProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<{ resolve: () => void; reject: (e: unknown) => void } | null>(null);
  const ask = useCallback<AskForPassword>(
    () => new Promise<void>((resolve, reject) => setPending({ resolve, reject })),
    [],
  );
  return (
    <StepUpContext.Provider value={ask}>
      {children}
      {pending ? (
        <ConfirmPasswordDialog
          onConfirmed={() => {
            pending.resolve();
            setPending(null);
          }}
          onCancel={() => {
            pending.reject(new StepUpCancelled());
            setPending(null);
          }}
        />
      ) : null}
    </StepUpContext.Provider>
  );
}

/**
 * Runs a call; when the API answers `reauth_required`, asks for the password and runs it once more.
 * Cancelling the dialog fails the call with the API's own refusal, so the caller shows it and its
 * button comes back.
 */
export function useStepUp() {
  const ask = useContext(StepUpContext);
  return useCallback(
    async <T,>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (refusal) {
        if (!ask || errorReason(refusal) !== 'reauth_required') throw refusal;
        try {
          await ask();
        } catch (e) {
          throw e instanceof StepUpCancelled ? refusal : e;
        }
        return call();
      }
    },
    [ask],
  );
}

function ConfirmPasswordDialog({ onConfirmed, onCancel }: { onConfirmed: () => void; onCancel: () => void }) {
  const client = useTRPCClient();
  const [password, setPassword] = useState('');
  const confirm = useMutation({
    mutationFn: (input: { password: string }) => client.auth.confirmPassword.mutate(input),
    onSuccess: onConfirmed,
  });
  const errors = useFieldErrors(confirm.error, FIELDS);
  return (
    <FormDialog
      text={TEXT}
      onClose={onCancel}
      busy={confirm.isPending}
      onSubmit={() => confirm.mutate({ password })}
      errors={errors}
    >
      <p className="muted">
        Creating, regenerating and copying API keys needs your password from the last few minutes. You stay
        signed in either way.
      </p>
      <PasswordField
        label="Password"
        autoComplete="current-password"
        value={password}
        error={errors.at('password')}
        onChange={(e) => {
          setPassword(e.target.value);
          errors.edited('password');
        }}
      />
    </FormDialog>
  );
}
