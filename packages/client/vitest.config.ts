import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: process.env.KEYHOLE_TEST_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.KEYHOLE_TEST_REPORT_DIR}/client.json` }]]
      : ['default'],
  },
});
