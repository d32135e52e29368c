import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The end-to-end test serves the built app through the real API process: build it first; and it
    // needs a Chromium, found or obtained once for the whole run.
    globalSetup: ['test/support/build-web.ts', 'test/support/browser-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: process.env.KEYHOLE_TEST_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.KEYHOLE_TEST_REPORT_DIR}/web.json` }]]
      : ['default'],
  },
});
