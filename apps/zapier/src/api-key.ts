/**
 * The key as the user pasted it, made into the key string: surrounding white space (a copied line
 * break, a space) and a leading `Bearer ` (copied from an `Authorization` header or a curl example)
 * are dropped. What is left is sent as it is; the API judges it.
 */
export function normalizeApiKey(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  let key = raw.trim();
  while (/^bearer\s/i.test(key)) key = key.slice('bearer'.length).trim();
  return key;
}
