/**
 * True when a statement failed on a unique index (SQLSTATE 23505). Drizzle wraps driver errors in
 * `DrizzleQueryError`, so the code is looked for along the `cause` chain, whichever driver raised it.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const {
      code,
      constraint: name,
      constraint_name,
    } = e as {
      code?: unknown;
      constraint?: unknown;
      constraint_name?: unknown;
    };
    if (code === '23505') {
      if (!constraint) return true;
      const found = name ?? constraint_name;
      // PGlite does not always name the constraint; the code alone is then the best we know.
      return found === undefined || found === constraint;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Node socket errors and postgres.js's own connection errors: the database is not reachable. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
]);

/**
 * SQLSTATEs that say the database cannot serve now, not that the statement is wrong: 57014
 * query_canceled (statement_timeout), 55P03 lock_not_available (lock_timeout), 57P01–57P03 (admin
 * shutdown, crash shutdown, cannot connect now), 53300 too_many_connections, and class 08 (connection
 * exceptions).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57014', '55P03', '57P01', '57P02', '57P03', '53300']);

/**
 * True when `err` says the database could not be reached at all (a refused or closed connection, a
 * connect timeout, a server shutting down or starting up), as opposed to one that answered "too
 * slow" (statement or lock timeout). Used to try only a few statements at a time while it is so.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'string') {
      if (UNREACHABLE_CODES.has(code) || /^(57P0[123]|08[0-9A-Z]{3}|53300)$/.test(code)) return true;
    }
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnreachable(inner))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * True when `err` (or an error along its `cause` chain, e.g. inside drizzle's `DrizzleQueryError`)
 * says the database is down, stalled or a lock did not come in time (SPEC §9 "Database faults"). A
 * genuine bug — a syntax error, a constraint violation — is not.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (name === 'DatabaseUnavailableError') return true;
    if (typeof code === 'string') {
      if (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
      if (/^08[0-9A-Z]{3}$/.test(code)) return true;
    }
    // Node reports a refused connection to a host with several addresses as an AggregateError.
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
