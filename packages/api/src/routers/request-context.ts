import type { RequestOrigin } from '../services/audit/record-audit';
import type { Context } from '../trpc/context';

/** The request's client details, for audit events and session rows. */
export function requestOrigin(ctx: Context): RequestOrigin & { ip: string } {
  return { ip: ctx.req.ip, userAgent: ctx.req.userAgent };
}
