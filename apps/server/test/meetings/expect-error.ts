import { KeyholeError } from '@keyhole/core';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { ZodError } from 'zod';

/** What a createCaller failure says: the tRPC code, the domain reason and the fields zod named. */
export async function callError(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TRPCError);
    const e = err as TRPCError;
    return {
      code: e.code,
      message: e.message,
      reason: e.cause instanceof KeyholeError ? e.cause.reason : undefined,
      fields:
        e.cause instanceof ZodError
          ? e.cause.issues.flatMap((i) =>
              i.code === 'unrecognized_keys'
                ? i.keys.map((k) => [...i.path, k].join('.'))
                : [i.path.join('.')],
            )
          : [],
    };
  }
  throw new Error('expected the call to fail');
}
