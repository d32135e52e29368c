// What integrators and the web app may import: the router, its types and the context factory.
// The process that hosts the API imports `@keyhole/api/host`; tests reach internals via `./internal/*`.
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './routers/app-router';

export type { AppRouter } from './routers/app-router';
export { appRouter } from './routers/app-router';
export { createContextInner } from './trpc/context';
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
