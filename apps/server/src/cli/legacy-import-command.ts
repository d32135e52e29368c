import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { App } from '@keyhole/api/host';
import { importLegacyKey, systemActor } from '@keyhole/api/host';
import { KeyholeError } from '@keyhole/core';

const USAGE = `Usage: pnpm keyhole legacy-import --org <org id> --name <name> [--key CLIENT_KEY:SECRET | --key -]

Mints a legacy key (full org access, read-only in the Developer page) and prints its key string, or
imports an existing key string so integrations keep working. "--key -" reads the key from stdin,
which keeps it out of your shell history and the process list.
`;

/** `keyhole legacy-import`: SPEC §3 and §6. The key string goes to stdout, alone, for scripts. */
export async function legacyImportCommand(app: App, args: string[]): Promise<void> {
  let values: { org?: string; name?: string; key?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { org: { type: 'string' }, name: { type: 'string' }, key: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${USAGE}`, 2);
  }
  if (!values.org || values.name === undefined) return fail(`--org and --name are required.\n\n${USAGE}`, 2);
  const keyString = values.key === '-' ? readFileSync(0, 'utf8').trim() : values.key;
  try {
    const { key, secret } = await importLegacyKey(app.deps, systemActor(values.org), {
      name: values.name,
      ...(keyString === undefined ? {} : { keyString }),
    });
    process.stdout.write(`${secret}\n`);
    process.stderr.write(
      `${keyString === undefined ? 'Minted' : 'Imported'} legacy key "${key.name}" (${key.id}) in org ${values.org}.\n`,
    );
  } catch (err) {
    if (err instanceof KeyholeError) return fail(`legacy-import refused: ${err.message}\n`, 1);
    throw err;
  }
}

function fail(message: string, code: number): void {
  process.stderr.write(message);
  process.exitCode = code;
}
