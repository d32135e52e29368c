import type { App } from '@keyhole/api/host';
import { DemoAlreadySeededError, demoInstructions, seedDemo } from '@keyhole/api/host';
import { bulkSeedCommand } from './bulk-seed-command';
import { CliError } from './cli-error';
import { legacyImportCommand } from './legacy-import-command';

/** Commands that need a running app (seed, legacy-import): name → runner. Each issue adds its own. */
export const commands: Record<string, (app: App, args: string[]) => Promise<void>> = {
  seed: async (app, args) => {
    if (args.includes('--demo')) return seedDemoCommand(app);
    if (args.some((a) => a.startsWith('--orgs') || a.startsWith('--users') || a.startsWith('--meetings'))) {
      return bulkSeedCommand(app, args);
    }
    throw new CliError('Usage: pnpm keyhole seed --demo | seed --orgs N --users N --meetings N');
  },
  'legacy-import': legacyImportCommand,
};

/** Where a person would open the app: the public URL, else the configured listen address. */
export function serverUrl(app: App): string {
  const { publicUrl, host, port } = app.deps.config;
  return publicUrl ?? `http://${host}:${port}`;
}

async function seedDemoCommand(app: App): Promise<void> {
  try {
    const seed = await seedDemo(app.deps);
    process.stdout.write(demoInstructions(seed, serverUrl(app)));
  } catch (err) {
    if (err instanceof DemoAlreadySeededError) throw new CliError(err.message);
    throw err;
  }
}
