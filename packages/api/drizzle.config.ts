import { defineConfig } from 'drizzle-kit';

// Migrations are generated (`pnpm --filter @keyhole/api db:generate`) and committed; never pushed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
