import pino, { type DestinationStream, type Logger } from 'pino';
import { safeError } from './safe-error';

export type { Logger };

/**
 * Every path that may carry a credential or a password is censored here, once, so no call site can
 * forget. Refused URLs (a key in the query string) are logged by path only, by the HTTP layer.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  'authorization',
  'cookie',
  'cookies',
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'secret',
  'keyString',
  'apiKey',
  'token',
  'sessionToken',
  '*.authorization',
  '*.cookie',
  '*.cookies',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.passwordHash',
  '*.secret',
  '*.keyString',
  '*.apiKey',
  '*.token',
  '*.sessionToken',
  'input',
  '*.input',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Every `logger.error({ err })`, wherever it is: no SQL parameters or driver texts with values.
      serializers: { err: safeError, error: safeError },
      base: { service: 'keyhole' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
