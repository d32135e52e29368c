/**
 * `NOT_FOUND` as null: the thing does not exist or this key may not read it (the API gives one answer
 * for both). A search's "nothing found", a transcript gone private, a subscription already deleted.
 */
export async function orNothingFound<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof Error && err.name === 'AppError' && isNotFound(err)) return null;
    throw err;
  }
}

/** z.errors.Error carries `{ message, code, status }` as JSON in its message. */
function isNotFound(err: Error): boolean {
  try {
    return (JSON.parse(err.message) as { code?: unknown }).code === 'NOT_FOUND';
  } catch {
    return false;
  }
}
