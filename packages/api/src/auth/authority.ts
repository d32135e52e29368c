import { KeyholeError } from '@keyhole/core';

/**
 * What a request was authorised as, handed from the tRPC middlewares to the use cases, so that each
 * mutation can re-check it inside its own transaction (`lockActor`, SPEC §9 "Re-checked authority").
 * The caller is resolved before the body is read; everything may change while the body is on its way.
 */
export interface SessionAuthority {
  kind: 'session';
  sessionId: string;
  userId: string;
  orgId: string;
  /** Authorised by `adminProcedure`: the user must still be an active admin of the org. */
  asAdmin: boolean;
}

export interface KeyAuthority {
  kind: 'key';
  keyId: string;
  orgId: string;
  /** The HMAC of the secret this request presented: the key must still accept it. */
  secretHash: Buffer;
}

/** The CLI and the seeds: no request, no credential that could have changed since it was checked. */
export interface SystemAuthority {
  kind: 'system';
}

export type Authority = SessionAuthority | KeyAuthority | SystemAuthority;

export const SYSTEM_AUTHORITY: SystemAuthority = { kind: 'system' };

// The very errors a fresh request gets from the tRPC middlewares (trpc/trpc.ts uses these too).
export const sessionRequiredError = () =>
  new KeyholeError('UNAUTHORIZED', 'Sign in first: this procedure needs a session.');

export const adminRequiredError = () =>
  new KeyholeError('FORBIDDEN', 'Only org admins can do this.', 'admin_required');

export const reauthRequiredError = (minutes: number) =>
  new KeyholeError(
    'FORBIDDEN',
    `Confirm your password to continue: this action needs the password entered in the last ${minutes} minute${minutes === 1 ? '' : 's'} (auth.confirmPassword).`,
    'reauth_required',
  );
