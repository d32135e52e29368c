import { z } from 'zod';
import { keyProcedure } from '../trpc/trpc';

// No input, strictly: an unknown field is BAD_REQUEST here as everywhere (and `GET /v1/whoami?x=1` too).
const noInput = z.strictObject({}).optional();

export const whoamiProcedure = keyProcedure.input(noInput).query(({ ctx }) => ({
  key: { id: ctx.key.id, name: ctx.key.name, scope: ctx.key.scope, clientKey: ctx.key.clientKey },
  org: { id: ctx.org.id, name: ctx.org.name },
  issuedTo: ctx.key.issuedTo,
}));
