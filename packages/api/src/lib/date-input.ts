import { z } from 'zod';

/**
 * The one date input of the API (SPEC §9 "Dates"): an ISO-8601 date-time with an offset, which after
 * conversion to UTC lies between 1900-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z; anything else is
 * BAD_REQUEST with a message naming the field (`from: must not be after …`). PostgreSQL has no year
 * 0 and stores no year past 294276, and ISO-8601 text ends at 9999, so a date outside this range
 * would otherwise reach the database, fail there, and answer 500.
 */
export const DATE_INPUT_MIN = new Date(Date.UTC(1900, 0, 1));
export const DATE_INPUT_MAX = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));

const SHAPE = 'expected an ISO-8601 date-time such as "2026-01-15T09:00:00Z"';

export const dateInput = z.iso
  .datetime({ offset: true, error: SHAPE })
  .transform((s) => new Date(s))
  .pipe(
    z
      .date({ error: SHAPE })
      .min(DATE_INPUT_MIN, { error: `must not be before ${DATE_INPUT_MIN.toISOString()}` })
      .max(DATE_INPUT_MAX, { error: `must not be after ${DATE_INPUT_MAX.toISOString()}` }),
  );
