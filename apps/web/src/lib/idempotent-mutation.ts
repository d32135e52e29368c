import { type UseMutationResult, useMutation } from '@tanstack/react-query';
import { useRef } from 'react';
import type { IdempotencyContext } from './trpc';

/** What one try of a submit sends: the input, and the Idempotency-Key (in tRPC's op.context). */
interface SubmitAttempt<TInput> {
  input: TInput;
  context: IdempotencyContext;
}

/** 128 random bits as hex. crypto.randomUUID exists only in secure contexts; getRandomValues everywhere. */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export type IdempotentMutation<TForm, TInput, TOutput> = UseMutationResult<
  TOutput,
  unknown,
  SubmitAttempt<TInput>
> & {
  /** Sends `build()` for these form contents, or resends the held attempt when they are unchanged. */
  submit(form: TForm, build: () => TInput): void;
  /** As `submit`, for a caller that goes on with the answer; rejects as the call failed. */
  submitAsync(form: TForm, build: () => TInput): Promise<TOutput>;
};

/**
 * A mutation with one Idempotency-Key per logical submit. Submitting the same form contents again
 * after a failure (offline, timeout, an answer lost on the way back) resends the very same input
 * under the same key, so a request that did reach the server is replayed instead of acting twice.
 * The input is kept too, not rebuilt: "expires in 30 days" rebuilt a minute later would be other
 * input, which the server refuses as a reused key. An edit, or a success, starts a new key.
 */
export function useIdempotentMutation<TForm, TInput, TOutput>(
  call: (input: TInput, opts: { context: IdempotencyContext }) => Promise<TOutput>,
  options: { onSuccess?: (output: TOutput) => unknown } = {},
): IdempotentMutation<TForm, TInput, TOutput> {
  const held = useRef<{ fingerprint: string; attempt: SubmitAttempt<TInput> } | null>(null);
  const mutation = useMutation<TOutput, unknown, SubmitAttempt<TInput>>({
    mutationFn: (attempt) => call(attempt.input, { context: attempt.context }),
    onSuccess: (output) => {
      held.current = null;
      return options.onSuccess?.(output);
    },
  });
  const attemptFor = (form: TForm, build: () => TInput): SubmitAttempt<TInput> => {
    const fingerprint = JSON.stringify(form);
    if (held.current?.fingerprint !== fingerprint) {
      held.current = {
        fingerprint,
        attempt: { input: build(), context: { idempotencyKey: newIdempotencyKey() } },
      };
    }
    return held.current.attempt;
  };
  return {
    ...mutation,
    submit: (form, build) => mutation.mutate(attemptFor(form, build)),
    submitAsync: (form, build) => mutation.mutateAsync(attemptFor(form, build)),
  };
}
