/**
 * A keyset page read with one row more than asked for: the rows to answer with, and the cursor of
 * the last of them when that extra row shows more exist.
 */
export function keysetPage<R>(
  rows: R[],
  limit: number,
  cursorOf: (last: R) => string,
): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
