import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The API's harness: on PostgreSQL (DATABASE_URL) it migrates the template each test file copies.
    globalSetup: ['../server/test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.KEYHOLE_TEST_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.KEYHOLE_TEST_REPORT_DIR}/zapier.json` }]]
      : ['default'],
  },
});
