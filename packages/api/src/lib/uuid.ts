const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Anything that is not a uuid names no row; saying NOT_FOUND keeps it one answer for all unknown ids. */
export const isUuid = (id: string): boolean => UUID.test(id);
