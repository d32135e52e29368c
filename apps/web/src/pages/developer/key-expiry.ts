/** The expiry choices of Add API key. */
export const EXPIRY_CHOICES = [
  { value: '30', label: '30 days' },
  { value: '60', label: '60 days' },
  { value: '90', label: '90 days' },
  { value: 'custom', label: 'On a date' },
  { value: 'never', label: 'Never' },
] as const;

export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number]['value'];

const DAY_MS = 86_400_000;

/**
 * When a key made now with this choice expires, or null for never (and for a custom date not yet
 * picked). A preset counts whole days from now; a picked date means "through that day", so it ends
 * at the last millisecond of the day in the admin's own time zone.
 */
export function expiryDate(choice: ExpiryChoice, customDate: string, now: Date): Date | null {
  if (choice === 'never') return null;
  if (choice === 'custom') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(customDate)) return null;
    const [y, m, d] = customDate.split('-').map(Number) as [number, number, number];
    return new Date(y, m - 1, d, 23, 59, 59, 999);
  }
  return new Date(now.getTime() + Number(choice) * DAY_MS);
}

/** Today in the shape `<input type="date">` takes, in local time. */
export function localDateInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
