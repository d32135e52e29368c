import type { IncomingMessage } from 'node:http';

/** How many times a header (lower-case name) was sent: node joins or drops repeats in `headers`. */
export function countRawHeader(req: IncomingMessage, name: string): number {
  let count = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const given = raw[i]!;
    if (given.length === name.length && given.toLowerCase() === name) count++;
  }
  return count;
}
