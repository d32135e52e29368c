import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The 100k-key collision property takes seconds on a loaded 2-core machine.
    testTimeout: 60_000,
    reporters: process.env.KEYHOLE_TEST_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.KEYHOLE_TEST_REPORT_DIR}/core.json` }]]
      : ['default'],
  },
});
