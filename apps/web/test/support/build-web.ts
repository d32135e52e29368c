import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const WEB_DIR = fileURLToPath(new URL('../../', import.meta.url));

/**
 * turbo's `test` depends on the dependencies' builds only, so the app under test is built here, from
 * the sources being tested, into apps/web/dist where the API process serves it from. vitest sets
 * NODE_ENV=test, which would make Vite bundle React's development build: this is the production one,
 * the same bytes `pnpm start` serves.
 */
export default async function buildWeb(): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: WEB_DIR,
      configFile: `${WEB_DIR}vite.config.ts`,
      mode: 'production',
      logLevel: 'warn',
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
