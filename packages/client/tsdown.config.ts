import { defineConfig } from 'tsdown';

// ESM only: Node ≥ 20.19 loads it from CommonJS too (require(esm)), so one build serves both and
// no consumer can end up with two copies of TRPCClientError (the dual-package hazard).
export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  dts: true,
  clean: true,
});
