import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { SCOPE_INFO, SCOPES, type WEBHOOK_EVENTS } from '@keyhole/core';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { DEFAULT_HELP_URL, SCOPE_LABELS } from '../src/constants.js';
import type {
  KeyScope,
  Meeting,
  Transcript,
  WebhookEvent,
  WebhookSubscribed,
  WebhookSubscription,
  WhoAmI,
} from '../src/keyhole-types.js';
import type {
  ApiMeeting,
  ApiTranscript,
  ApiWebhookList,
  ApiWebhookSubscribed,
  ApiWhoAmI,
} from './support/keyhole-server';
import { entryPath, type KeyholeZapierApp, loadApp, triggerView } from './support/zapier-app';
import { ISO_WITH_ZONE, MEETING_DATE_FIELDS, zapierFieldKeys } from './support/zapier-output';

/**
 * The definition Zapier uploads: valid by zapier-platform-core's own schema check, loadable the way
 * Zapier's runtime loads an ESM app, and self-consistent (labels, sample, output fields).
 */
const require = createRequire(import.meta.url);
const { validateApp, compileApp } = require('zapier-platform-core/src/tools/schema') as {
  validateApp(app: unknown): { property: string; message: string }[];
  compileApp(app: unknown): unknown;
};
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

let app: KeyholeZapierApp;
beforeAll(async () => {
  app = await loadApp();
});

describe('zapier-platform-core’s schema check', () => {
  it('accepts the definition, as written and as core compiles it (what `zapier validate` checks)', () => {
    expect(validateApp(app)).toEqual([]);
    expect(validateApp(compileApp(app))).toEqual([]);
  });

  const trigger = () => app.triggers.new_meeting;
  const broken: { what: string; make: () => unknown; property: string }[] = [
    {
      what: 'an unknown authentication type',
      make: () => ({ ...app, authentication: { ...app.authentication, type: 'api_key' } }),
      property: 'instance.authentication.type',
    },
    {
      what: 'a trigger without a noun',
      make: () => ({ ...app, triggers: { ...app.triggers, new_meeting: { ...trigger(), noun: undefined } } }),
      property: 'instance.triggers.new_meeting',
    },
    {
      what: 'a trigger key with a space',
      make: () => ({
        ...app,
        triggers: { ...app.triggers, new_meeting: { ...trigger(), key: 'new meeting' } },
      }),
      property: 'instance.triggers.new_meeting.key',
    },
    {
      what: 'an output field without a key',
      make: () => ({
        ...app,
        triggers: {
          ...app.triggers,
          new_meeting: {
            ...trigger(),
            operation: { ...trigger().operation, outputFields: [{ label: 'X' }] },
          },
        },
      }),
      property: 'instance.triggers.new_meeting.operation.outputFields[0]',
    },
  ];

  it.each(broken)('refuses $what', ({ make, property }) => {
    const errors = validateApp(make());
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.property)).toContain(property);
  });
});

describe('dist/ as Zapier loads it', () => {
  it('package.json points Zapier at dist/index.js as an ES module', async () => {
    const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg).toMatchObject({ type: 'module', exports: './dist/index.js' });
    expect((pkg.scripts as Record<string, string>)['_zapier-build']).toBe('pnpm build');
    expect(Object.keys(pkg.dependencies as object)).toEqual(['zapier-platform-core']);
    expect(relative(packageDir, entryPath)).toBe(join('dist', 'index.js'));
  });

  it('imports through core’s own zapierwrapper.mjs in a plain Node process, and answers definition and validate', async () => {
    // What `zapier build` does: copy core's ESM wrapper beside package.json with the package name filled
    // in; the wrapper then `import()`s the package by name, i.e. through its `exports` entry.
    const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { name: string };
    const template = await readFile(
      join(dirname(require.resolve('zapier-platform-core')), 'include', 'zapierwrapper.mjs'),
      'utf8',
    );
    const dir = join(packageDir, '.tmp');
    const wrapper = join(dir, `zapierwrapper-${process.pid}.js`);
    await mkdir(dir, { recursive: true });
    await writeFile(wrapper, template.replaceAll('{REPLACE_ME_PACKAGE_NAME}', pkg.name));
    const script = `
      const wrapper = await import(${JSON.stringify(wrapper)});
      const definition = await wrapper.handler({ command: 'definition' });
      const validation = await wrapper.handler({ command: 'validate' });
      process.stdout.write('\\nRESULT ' + JSON.stringify({
        appKeys: Object.keys(wrapper.appRaw),
        handler: typeof wrapper.handler,
        perform: typeof wrapper.appRaw.triggers.new_meeting.operation.perform,
        definition: definition.results,
        validation: validation.results,
      }) + '\\n');
    `;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        cwd: packageDir,
        env: { ...process.env, KEYHOLE_API_URL: 'https://keyhole.example.com' },
      });
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      const result = JSON.parse(line!.slice('RESULT '.length));
      expect(result).toMatchObject({
        appKeys: [
          'version',
          'platformVersion',
          'authentication',
          'beforeRequest',
          'afterResponse',
          'triggers',
          'searches',
        ],
        handler: 'function',
        perform: 'function',
        validation: [],
      });
      expect(result.definition).toMatchObject({
        version: '0.1.0',
        platformVersion: '19.0.0',
        authentication: { type: 'custom', fields: [{ key: 'apiKey', type: 'password', required: true }] },
      });
      expect(Object.keys(result.definition.triggers)).toEqual(['new_meeting', 'meeting_completed']);
      expect(Object.keys(result.definition.searches)).toEqual(['find_meeting', 'find_transcript']);
      expect(result.definition.authentication.fields[0].helpText).toContain(
        '(https://keyhole.example.com/settings/organization/developer)',
      );
    } finally {
      await rm(wrapper, { force: true });
      await rmdir(dir).catch(() => {});
    }
  });
});

describe('the API key’s help link, as `zapier push` builds the definition', () => {
  /** The field's help text of dist/ imported in a fresh Node process with exactly these variables. */
  async function helpTextWith(env: Record<string, string>): Promise<string> {
    const script = `
      const { default: app } = await import(${JSON.stringify(pathToFileURL(entryPath).href)});
      process.stdout.write('\\nRESULT ' + JSON.stringify(app.authentication.fields[0].helpText) + '\\n');
    `;
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('KEYHOLE_')),
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageDir,
      env: { ...clean, ...env },
    });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    return JSON.parse(line!.slice('RESULT '.length)) as string;
  }
  const link = (url: string) => `[Settings → Organization → Developer](${url})`;

  it('is the public default when nothing is configured, never a loopback address', async () => {
    const text = await helpTextWith({});
    expect(text).toContain(link(DEFAULT_HELP_URL));
    expect(DEFAULT_HELP_URL).toMatch(/^https:\/\//);
    expect(text).not.toMatch(/127\.0\.0\.1|localhost/);
  });

  it('is the Developer page of KEYHOLE_API_URL when that is set', async () => {
    const text = await helpTextWith({ KEYHOLE_API_URL: ' https://keyhole.acme.test/ ' });
    expect(text).toContain(link('https://keyhole.acme.test/settings/organization/developer'));
  });

  it('is KEYHOLE_ZAPIER_HELP_URL when that is set, whatever KEYHOLE_API_URL says', async () => {
    const text = await helpTextWith({
      KEYHOLE_API_URL: 'https://keyhole.acme.test',
      KEYHOLE_ZAPIER_HELP_URL: 'https://help.acme.test/keyhole/zapier-key',
    });
    expect(text).toContain(link('https://help.acme.test/keyhole/zapier-key'));
  });
});

describe('package.json’s zapier-platform-core', () => {
  it('is an exact version (zapier validate refuses anything else), equal to the workspace catalog’s', async () => {
    const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const pinned = pkg.dependencies['zapier-platform-core'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const workspace = await readFile(join(packageDir, '..', '..', 'pnpm-workspace.yaml'), 'utf8');
    const catalog = /^\s+"?zapier-platform-core"?:\s*"?([^"\s#]+)"?\s*$/m.exec(workspace)?.[1];
    expect(catalog, 'pnpm-workspace.yaml catalog entry for zapier-platform-core').toBeDefined();
    expect(pinned).toBe(catalog);
    // …and the copy installed is that version, the one the app reports as its platformVersion.
    const installed = JSON.parse(
      await readFile(join(dirname(require.resolve('zapier-platform-core')), 'package.json'), 'utf8'),
    ) as { version: string };
    expect(installed.version).toBe(pinned);
    expect(app.platformVersion).toBe(pinned);
  });
});

describe('labels, sample and output fields', () => {
  it('copies the scope labels exactly as @keyhole/core defines them', () => {
    expect(Object.keys(SCOPE_LABELS).sort()).toEqual([...SCOPES].sort());
    for (const scope of SCOPES) expect(SCOPE_LABELS[scope]).toBe(SCOPE_INFO[scope].label);
  });

  it('its wire types are the API router’s (checked by `pnpm typecheck`)', () => {
    expectTypeOf<Meeting>().toEqualTypeOf<ApiMeeting>();
    expectTypeOf<WhoAmI>().toEqualTypeOf<ApiWhoAmI>();
    expectTypeOf<Transcript>().toEqualTypeOf<ApiTranscript>();
    expectTypeOf<WebhookSubscribed>().toEqualTypeOf<ApiWebhookSubscribed>();
    expectTypeOf<WebhookSubscription[]>().toEqualTypeOf<ApiWebhookList>();
    expectTypeOf<WebhookEvent>().toEqualTypeOf<(typeof WEBHOOK_EVENTS)[number]>();
    expectTypeOf<KeyScope>().toEqualTypeOf<(typeof SCOPES)[number]>();
  });

  for (const key of ['new_meeting', 'meeting_completed'] as const) {
    it(`${key}: Title Case labels, one per field, covering every field of the static sample`, () => {
      const { outputFields, sample } = triggerView(app, key);
      const keys = outputFields.map((field) => field.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const field of outputFields) {
        for (const word of field.label.split(' ')) expect(word).toMatch(/^\(?[A-Z][A-Za-z]*\)?$/);
      }
      expect([...zapierFieldKeys(sample)].sort()).toEqual([...keys].sort());
      expect(sample.id).toMatch(/^[0-9a-f-]{36}$/);
      for (const field of MEETING_DATE_FIELDS) expect(String(sample[field])).toMatch(ISO_WITH_ZONE);
      for (const field of outputFields.filter((f) => MEETING_DATE_FIELDS.some((d) => d === f.key))) {
        expect(field.type).toBe('datetime');
      }
    });
  }
});
