import type { App } from './app';

/** Commands that need a running app (seed, legacy-import): name → runner. Each issue adds its own. */
export const commands: Record<string, (app: App, args: string[]) => Promise<void>> = {};
