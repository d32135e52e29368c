import { keyProcedure } from '../trpc/trpc';

export const whoamiProcedure = keyProcedure.query(({ ctx }) => ({
  key: { id: ctx.key.id, name: ctx.key.name, scope: ctx.key.scope, clientKey: ctx.key.clientKey },
  org: { id: ctx.org.id, name: ctx.org.name },
  issuedTo: ctx.key.issuedTo,
}));
