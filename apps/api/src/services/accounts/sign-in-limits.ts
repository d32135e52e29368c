import { KeyholeError } from '@keyhole/core';
import type { AppDeps } from '../../deps';
import { hmacSha256 } from '../../lib/keyring';

/** A refusal that tells the client when to come back (the router turns it into `Retry-After`). */
export class RateLimitedError extends KeyholeError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('TOO_MANY_REQUESTS', message, 'rate_limited');
  }
}

// Counter ids are keyed hashes: emails and IPs never sit in Redis in the clear.
function counterId(deps: AppDeps, ...parts: string[]): string {
  return hmacSha256(deps.keyring.sessionHmac, parts.join('\n')).toString('base64url');
}

const emailIpId = (deps: AppDeps, email: string, ip: string) =>
  counterId(deps, 'email-ip', email.trim().toLowerCase(), ip);

/**
 * Spends one sign-in attempt for (email, IP) and one for the IP, before any password is checked.
 * The pair limit stops guessing one account's password; the IP limit (ten times larger) stops one
 * client from spraying many accounts. An attacker elsewhere never locks the account for its owner,
 * because nothing is counted per email alone.
 */
export async function spendSignInAttempt(deps: AppDeps, email: string, ip: string): Promise<void> {
  const perPair = deps.config.signInLimitPerMinute;
  const [pair, byIp] = await Promise.all([
    deps.counters.signInPerEmailIp.hit(emailIpId(deps, email, ip), perPair),
    deps.counters.signInPerIp.hit(counterId(deps, 'ip', ip), perPair * 10),
  ]);
  const refused = [pair, byIp].filter((d) => !d.allowed);
  if (refused.length > 0) {
    const waitMs = Math.max(...refused.map((d) => d.resetMs));
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    deps.logger.warn({ ip, retryAfterSeconds }, 'sign-in attempts limited');
    throw new RateLimitedError(
      `Too many sign-in attempts: try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
      retryAfterSeconds,
    );
  }
}

/** After a good password the pair starts afresh, so a user's own typos do not pile up. */
export async function forgetSignInAttempts(deps: AppDeps, email: string, ip: string): Promise<void> {
  await deps.counters.signInPerEmailIp.reset(emailIpId(deps, email, ip));
}
