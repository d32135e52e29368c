import type { App } from './app';
import { legacyImportCommand } from './commands/legacy-import';

/** Commands that need a running app (seed, legacy-import): name → runner. Each issue adds its own. */
export const commands: Record<string, (app: App, args: string[]) => Promise<void>> = {
  'legacy-import': legacyImportCommand,
};
