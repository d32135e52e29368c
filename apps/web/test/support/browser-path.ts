import { inject } from 'vitest';

/** Inside a test file: the Chromium that test/support/browser-setup.ts obtained for this run. */
export function chromiumExecutable(): string {
  const chromium = inject('chromium');
  if (!chromium)
    throw new Error(
      'No Chromium was provided: vitest.config.ts must list test/support/browser-setup.ts in globalSetup.',
    );
  if ('error' in chromium) throw new Error(chromium.error);
  return chromium.executablePath;
}
