import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The HTTP request a piece of work is done for, visible to the database layer without threading it
 * through every service: a transaction whose request was abandoned (client gone, deadline passed)
 * before it committed is rolled back rather than committed for nobody (SPEC §9 "Transport").
 */
const scope = new AsyncLocalStorage<AbortSignal>();

export function runInRequestScope<T>(signal: AbortSignal, fn: () => T): T {
  return scope.run(signal, fn);
}

export class RequestAbandonedError extends Error {
  constructor() {
    super('The request was abandoned (client gone or deadline passed); its work stopped.');
    this.name = 'RequestAbandonedError';
  }
}

/** Throws inside a transaction (so it rolls back) when the request it serves is gone. */
export function throwIfRequestAbandoned(): void {
  if (scope.getStore()?.aborted) throw new RequestAbandonedError();
}

/** True while serving a request (or work given a deadline of its own with `runWithDeadline`). */
export function inRequestScope(): boolean {
  return scope.getStore() !== undefined;
}

/**
 * Background work bound like a request's (the usage flush): the database gate times it out after the
 * database timeout, and a transaction still open when `ms` have passed rolls back rather than commits.
 */
export function runWithDeadline<T>(ms: number, fn: () => T): T {
  return scope.run(AbortSignal.timeout(ms), fn);
}
