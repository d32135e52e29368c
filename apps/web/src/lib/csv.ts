/**
 * RFC 4180 CSV: a field holding a comma, a quote, CR or LF is quoted with its quotes doubled; lines
 * end in CRLF. A field that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or
 * CR) gets a leading apostrophe first: audit events carry names and user agents that anyone who can
 * sign in or be added chooses (OWASP "CSV injection").
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}
