import type { AppDeps } from '../../deps';
import { hmacSha256 } from '../../lib/keyring';
import { RateLimitedError } from '../../lib/rate-limited';

// Counter ids are keyed hashes: emails and IPs never sit in Redis in the clear.
function counterId(deps: AppDeps, ...parts: string[]): string {
  return hmacSha256(deps.keyring.sessionHmac, parts.join('\n')).toString('base64url');
}

/**
 * Whose attempts these are (SPEC §9 "Sign-in limits"): the account the database matched, or, for an
 * email that matches none, the email as the database normalises it (`lower()`, the expression its
 * unique index is built on). So every spelling the database would take for one account — `admin@…`,
 * `ADMIN@…`, `admİn@…` with U+0130 — spends the one counter of that account.
 */
export type SignInSubject = { userId: string } | { normalisedEmail: string };

const subjectPart = (s: SignInSubject) => ('userId' in s ? `user:${s.userId}` : `email:${s.normalisedEmail}`);

const pairId = (deps: AppDeps, subject: SignInSubject, ip: string) =>
  counterId(deps, 'account-ip', subjectPart(subject), ip);

function refusal(deps: AppDeps, what: string, ip: string, waitMs: number): RateLimitedError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  deps.logger.warn({ ip, retryAfterSeconds }, `${what} limited`);
  return new RateLimitedError(
    `Too many ${what}: try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
    retryAfterSeconds,
  );
}

/**
 * Spends one sign-in attempt for (account, IP) and one for the IP, before any password is checked.
 * The pair limit stops guessing one account's password; the IP limit (ten times larger) stops one
 * client from spraying many accounts. An attacker elsewhere never locks the account for its owner,
 * because nothing is counted per account alone.
 */
export async function spendSignInAttempt(deps: AppDeps, subject: SignInSubject, ip: string): Promise<void> {
  const perPair = deps.config.signInLimitPerMinute;
  const [pair, byIp] = await Promise.all([
    deps.counters.signInPerEmailIp.hit(pairId(deps, subject, ip), perPair),
    deps.counters.signInPerIp.hit(counterId(deps, 'ip', ip), perPair * 10),
  ]);
  const refused = [pair, byIp].filter((d) => !d.allowed);
  if (refused.length > 0) {
    throw refusal(deps, 'sign-in attempts', ip, Math.max(...refused.map((d) => d.resetMs)));
  }
}

/** After a good password the pair starts afresh, so a user's own typos do not pile up. */
export async function forgetSignInAttempts(deps: AppDeps, subject: SignInSubject, ip: string): Promise<void> {
  await deps.counters.signInPerEmailIp.reset(pairId(deps, subject, ip));
}

const signUpId = (deps: AppDeps, ip: string) => counterId(deps, 'signup-ip', ip);

/** Refuses a client IP already past its sign-up budget, without counting (checked before the input). */
export async function checkSignUpBudget(deps: AppDeps, ip: string): Promise<void> {
  const standing = await deps.counters.signUpPerIp.peek(signUpId(deps, ip), deps.config.signUpLimitPerHour);
  // peek's `allowed` is true up to the limit itself; the next sign-up would pass it.
  if (standing.remaining === 0) throw refusal(deps, 'sign-ups', ip, standing.resetMs);
}

/** Spends one sign-up of the client IP's hourly budget (SPEC §9), before the password is hashed. */
export async function spendSignUpAttempt(deps: AppDeps, ip: string): Promise<void> {
  const decision = await deps.counters.signUpPerIp.hit(signUpId(deps, ip), deps.config.signUpLimitPerHour);
  if (!decision.allowed) throw refusal(deps, 'sign-ups', ip, decision.resetMs);
}
