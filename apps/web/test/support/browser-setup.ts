import type { TestProject } from 'vitest/node';
import { describeChromium, obtainChromium } from './browser';

/** What the browser tests receive: the executable, or why there is none (they fail with it). */
export type ProvidedChromium = { executablePath: string } | { error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    chromium: ProvidedChromium;
  }
}

/**
 * Obtains Chromium once per run, before any test file starts: test files run in parallel and would
 * otherwise race to install or unpack it. A failure is handed to the browser tests rather than thrown
 * here, so they fail with the reason while the other test files still run.
 */
export default async function setupChromium(project: TestProject): Promise<void> {
  const log = (line: string) => console.info(line);
  try {
    const browser = await obtainChromium({ log });
    log(describeChromium(browser));
    project.provide('chromium', { executablePath: browser.executablePath });
  } catch (err) {
    const error = (err as Error).message;
    console.error(`browser: none\n${error}`);
    project.provide('chromium', { error });
  }
}
