import { router } from '../trpc/trpc';
import { auditRouter } from './audit-router';
import { authRouter } from './auth-router';
import { healthProcedure } from './health-router';
import { keysRouter } from './keys-router';
import { meetingsRouter } from './meetings-router';
import { membersRouter } from './members-router';
import { orgRouter } from './org-router';
import { webhooksRouter } from './webhooks-router';
import { whoamiProcedure } from './whoami-router';

export const appRouter = router({
  health: healthProcedure,
  auth: authRouter,
  org: orgRouter,
  members: membersRouter,
  keys: keysRouter,
  audit: auditRouter,
  meetings: meetingsRouter,
  whoami: whoamiProcedure,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
