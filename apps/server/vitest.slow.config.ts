import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.slow.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    passWithNoTests: true,
    reporters: process.env.KEYHOLE_TEST_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.KEYHOLE_TEST_REPORT_DIR}/api-slow.json` }]]
      : ['default'],
  },
});
