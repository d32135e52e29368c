import { KeyholeError } from '@keyhole/core';

/**
 * One error for a meeting that does not exist, belongs to another org or lies outside the caller's
 * reach, so a caller cannot tell them apart (SPEC §2).
 */
export function meetingNotFound(): KeyholeError {
  return new KeyholeError('NOT_FOUND', 'Meeting not found (or not visible to this caller).');
}
