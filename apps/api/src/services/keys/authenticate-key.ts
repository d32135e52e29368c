// PLACEHOLDER until the keys issue lands: refuses every key. Replaced by the real verifier.
import { KeyholeError } from '@keyhole/core';
import type { AppDeps } from '../../deps';
import type { AuthenticatedKey, OrgView } from '../../trpc/caller';
import type { ResponseSink } from '../../trpc/context';

export async function authenticateKeyHeader(
  _deps: AppDeps,
  _authorization: string,
  _ip: string,
  _res: ResponseSink,
): Promise<{ key: AuthenticatedKey; org: OrgView }> {
  throw new KeyholeError('UNAUTHORIZED', 'Invalid API key.', 'invalid_key');
}

export async function chargeKeyRequest(
  _deps: AppDeps,
  _key: AuthenticatedKey,
  _res: ResponseSink,
): Promise<void> {}
