export interface AttendeeInput {
  email: string;
  name?: string;
}

/**
 * What a person types into the attendees box: one attendee per line (or separated by commas or
 * semicolons), each a bare address or `Name <address>`. A separator inside quotes or angle brackets
 * belongs to the entry (`"Diaz, Carl" <carl@example.com>`). The API validates the addresses.
 */
export function parseAttendees(text: string): AttendeeInput[] {
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  let bracketed = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === '<') bracketed = true;
    else if (ch === '>') bracketed = false;
    if (!quoted && !bracketed && /[\n,;]/.test(ch)) {
      entries.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  entries.push(current);
  return entries
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const named = /^(.*?)\s*<([^>]*)>$/.exec(entry);
      if (!named) return { email: entry };
      const email = (named[2] ?? '').trim();
      const name = (named[1] ?? '')
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim();
      return name ? { email, name } : { email };
    });
}
