import type { Logger } from '@keyhole/api/host';

/**
 * The process serves many clients; one request's stray failure must not end it for all of them. An
 * error nobody handled is logged (structured, through the redacting logger) and the server keeps
 * serving. Causes found this way are bugs to fix at their source: this is the net, not the fix.
 */
export function installLastResortHandlers(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason, kind: 'unhandledRejection' }, 'unhandled error, kept serving');
  });
  process.on('uncaughtException', (err) => {
    logger.error({ err, kind: 'uncaughtException' }, 'unhandled error, kept serving');
  });
}
