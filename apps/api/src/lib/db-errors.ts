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
