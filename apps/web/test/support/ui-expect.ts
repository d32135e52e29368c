import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * playwright-core has no test runner, so no web-first `expect`: these few retrying assertions give
 * the same "wait until it holds, up to a timeout" semantics on top of vitest's expect.poll.
 */
const TIMEOUT = 10_000;

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: TIMEOUT, interval: 50 });

export function ui(target: Locator) {
  return {
    toBeVisible: () => target.waitFor({ state: 'visible', timeout: TIMEOUT }),
    toHaveCount: (n: number) => poll(() => target.count()).toBe(n),
    toContainText: (text: string) => poll(async () => (await target.textContent()) ?? '').toContain(text),
    toHaveText: (text: string | RegExp) =>
      text instanceof RegExp
        ? poll(async () => (await target.textContent()) ?? '').toMatch(text)
        : poll(async () => (await target.textContent()) ?? '').toBe(text),
    toHaveTexts: (texts: string[]) => poll(() => target.allTextContents()).toEqual(texts),
    toHaveValue: (value: string) => poll(() => target.inputValue()).toBe(value),
    toHaveAttribute: (name: string, value: RegExp) =>
      poll(async () => (await target.getAttribute(name)) ?? '').toMatch(value),
    toBeChecked: () => poll(() => target.isChecked()).toBe(true),
    toBeUnchecked: () => poll(() => target.isChecked()).toBe(false),
    toBeDisabled: () => poll(() => target.isDisabled()).toBe(true),
    toBeEnabled: () => poll(() => target.isEnabled()).toBe(true),
    toBeFocused: () => poll(() => target.evaluate((el) => el === document.activeElement)).toBe(true),
  };
}

export function onPage(page: Page) {
  return {
    toHaveURL: (url: RegExp) => page.waitForURL(url, { timeout: TIMEOUT }),
  };
}
