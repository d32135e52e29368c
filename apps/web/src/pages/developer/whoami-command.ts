/** The ready command an admin runs to check a key works; the key is single-quoted for the shell. */
export function whoamiCurl(origin: string, key: string): string {
  return `curl -s -H 'Authorization: Bearer ${key}' ${origin}/trpc/whoami`;
}
