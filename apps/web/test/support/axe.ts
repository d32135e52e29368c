import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now, one line each; a run that checked nothing fails. */
export async function axeViolations(page: Page): Promise<string[]> {
  // The app's Content-Security-Policy forbids inline scripts, so a <script> tag holding axe would be
  // refused; evaluating the same source through the DevTools protocol is not subject to it, and
  // keeps the page under the policy it really ships with.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<AxeResults> } })
      .axe;
    const results = await axe.run(document, { resultTypes: ['violations'] });
    // A run that checked nothing would report nothing: make that a failure, not a pass.
    if (results.passes.length === 0) return ['axe ran no rule that passed: nothing was checked'];
    return results.violations.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .slice(0, 4)
          .map((n) => `${n.target.join(' ')} — ${n.failureSummary.replace(/\s+/g, ' ')}`)
          .join(' | ')}`,
    );
  });
}

interface AxeResults {
  passes: unknown[];
  violations: {
    id: string;
    impact: string;
    nodes: { target: string[]; failureSummary: string }[];
  }[];
}
