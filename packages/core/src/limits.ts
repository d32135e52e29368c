// Input lengths the API enforces (its zod schemas) and the web app repeats in its inputs and hints;
// stated once here so the two cannot drift. Key-name and rate-limit bounds live in key-policy.ts.

/** A new password's minimum: length is the strength rule we ask for (no composition rules). */
export const PASSWORD_MIN_LENGTH = 12;
/** The longest password we accept: bounds what one sign-in or sign-up hands to scrypt. */
export const PASSWORD_MAX_LENGTH = 200;

/** A person's display name (sign-up, members): enough for any real name, short enough for a table cell. */
export const PERSON_NAME_MAX_LENGTH = 100;
/** An organization's name: shown in the header and the members table, like a person's name. */
export const ORG_NAME_MAX_LENGTH = 100;

/** An account's email: 254 characters is the longest address SMTP can deliver to (RFC 5321 path). */
export const EMAIL_MAX_LENGTH = 254;

/** Attendees per meeting: a large all-hands; it also sizes the largest meeting a page can return. */
export const MEETING_ATTENDEES_MAX = 200;
/** An attendee's email: as imported from calendars (local part 64 + @ + domain 255), not sent to. */
export const ATTENDEE_EMAIL_MAX_LENGTH = 320;
/** An attendee's display name, as a calendar invitation may carry it. */
export const ATTENDEE_NAME_MAX_LENGTH = 200;
