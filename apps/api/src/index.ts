export { type App, createApp } from './app';
export type { AppRouter } from './routers/app-router';
export { appRouter } from './routers/app-router';
