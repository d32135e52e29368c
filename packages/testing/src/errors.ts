import type { ErrorReason } from '@keyhole/core';
import { KeyholeError } from '@keyhole/core';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { ZodError } from 'zod';

/** What a promise settled with: its rejection, or a failure naming the value it resolved to. */
async function rejectionOf(promise: Promise<unknown>, expected: string): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected ${expected}, but the call succeeded with ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
}

const label = (code: string, reason?: string) => (reason === undefined ? code : `${code} (${reason})`);

/**
 * Awaits a tRPC call (createCaller) that must fail; checks its tRPC code and, when given, the SPEC
 * reason carried by its KeyholeError cause. Fails clearly when the call succeeds.
 */
export async function expectTrpcError(
  promise: Promise<unknown>,
  code: TRPCError['code'],
  reason?: ErrorReason,
): Promise<TRPCError> {
  const expected = label(code, reason);
  const err = await rejectionOf(promise, expected);
  expect(err, `expected ${expected}`).toBeInstanceOf(TRPCError);
  const trpcError = err as TRPCError;
  expect(trpcError.code, `expected ${expected}`).toBe(code);
  if (reason !== undefined) {
    expect(trpcError.cause, `expected ${expected}`).toBeInstanceOf(KeyholeError);
    expect((trpcError.cause as KeyholeError).reason).toBe(reason);
  }
  return trpcError;
}

/** The same for a service called directly (no tRPC in between): the KeyholeError itself. */
export async function expectKeyholeError(
  promise: Promise<unknown>,
  code: KeyholeError['code'],
  reason?: ErrorReason,
): Promise<KeyholeError> {
  const expected = label(code, reason);
  const err = await rejectionOf(promise, expected);
  expect(err, `expected ${expected}`).toBeInstanceOf(KeyholeError);
  const keyholeError = err as KeyholeError;
  expect(keyholeError.code, `expected ${expected}`).toBe(code);
  if (reason !== undefined) expect(keyholeError.reason).toBe(reason);
  return keyholeError;
}

/** What a createCaller failure says: the tRPC code, the domain reason and the fields zod named. */
export async function callError(promise: Promise<unknown>) {
  const err = await rejectionOf(promise, 'the call to fail');
  expect(err).toBeInstanceOf(TRPCError);
  const e = err as TRPCError;
  return {
    code: e.code,
    message: e.message,
    reason: e.cause instanceof KeyholeError ? e.cause.reason : undefined,
    fields:
      e.cause instanceof ZodError
        ? e.cause.issues.flatMap((i) =>
            i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k].join('.')) : [i.path.join('.')],
          )
        : [],
  };
}
