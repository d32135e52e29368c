// Sums vitest JSON reports (one per package and run) into the closing line CI reads: "N passed, N failed".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
let files = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.json')) {
      const r = JSON.parse(readFileSync(p, 'utf8'));
      passed += r.numPassedTests ?? 0;
      failed += (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0) - (r.numFailedTests > 0 ? 0 : 0);
      skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
      files++;
    }
  }
}
for (const dir of process.argv.slice(2)) walk(dir);
if (files === 0) {
  console.log('0 passed, 1 failed');
  console.error('no test reports found');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
