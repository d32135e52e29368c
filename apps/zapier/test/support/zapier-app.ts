import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  type AuthField,
  type Bundle,
  createAppTester,
  type PlainOutputField,
  type ZObject,
} from 'zapier-platform-core';
import type appDefinition from '../../src/index.js';

export type KeyholeZapierApp = typeof appDefinition;

/** The package's `exports` entry, resolved by name the way Zapier's wrapper finds the app. */
export const entryPath = createRequire(import.meta.url).resolve('@keyhole/zapier');

/**
 * The built app from dist/ (what Zapier runs; `pnpm test` builds first), never the TypeScript
 * sources: the tests then also prove that the compiled output works.
 */
export async function loadApp(): Promise<KeyholeZapierApp> {
  const mod = (await import(pathToFileURL(entryPath).href)) as { default: KeyholeZapierApp };
  return mod.default;
}

type Perform = (z: ZObject, bundle: Bundle) => unknown;

function asFunction(value: unknown, name: string): Perform {
  if (typeof value !== 'function') throw new Error(`${name} is not a function`);
  return value as Perform;
}

export type TriggerKey = keyof KeyholeZapierApp['triggers'];
export type SearchKey = keyof KeyholeZapierApp['searches'];

/**
 * The schema types leave most of a definition optional or a union; these views check at run time that
 * the parts this app must have are there, and type them plainly for the tests.
 */
export function authView(app: KeyholeZapierApp) {
  const auth = app.authentication;
  if (!auth) throw new Error('no authentication');
  return {
    type: auth.type,
    fields: (auth.fields ?? []) as AuthField[],
    test: asFunction(auth.test, 'authentication.test'),
    connectionLabel: asFunction(auth.connectionLabel, 'authentication.connectionLabel'),
  };
}

export function triggerView(app: KeyholeZapierApp, key: TriggerKey) {
  const trigger = app.triggers[key];
  const operation = trigger.operation as {
    type?: string;
    perform?: unknown;
    performList?: unknown;
    performSubscribe?: unknown;
    performUnsubscribe?: unknown;
    inputFields?: unknown[];
    outputFields?: unknown[];
    sample?: Record<string, unknown>;
  };
  return {
    key: trigger.key,
    noun: trigger.noun,
    display: trigger.display,
    ...operationView(key, operation),
    ...(operation.type === 'hook' ? { hook: hookView(key, operation) } : {}),
  };
}

/** A REST hook's three functions beside its `perform` (which then handles one delivery). */
function hookView(key: string, operation: Record<string, unknown>) {
  return {
    performList: asFunction(operation.performList, `${key}.performList`),
    performSubscribe: asFunction(operation.performSubscribe, `${key}.performSubscribe`),
    performUnsubscribe: asFunction(operation.performUnsubscribe, `${key}.performUnsubscribe`),
  };
}

/** What Zapier's hook endpoint hands `perform` for one request it received (see hook-request.ts). */
export interface HookRequest {
  rawRequest: { method: 'POST'; querystring: string; headers: Record<string, string>; content: string };
  cleanedRequest: unknown;
}

export function searchView(app: KeyholeZapierApp, key: SearchKey) {
  const search = app.searches[key];
  return {
    key: search.key,
    noun: search.noun,
    display: search.display,
    ...operationView(key, search.operation as Parameters<typeof operationView>[1]),
  };
}

function operationView(
  key: string,
  operation: {
    type?: string;
    perform?: unknown;
    inputFields?: unknown[];
    outputFields?: unknown[];
    sample?: Record<string, unknown>;
  },
) {
  const plain = <T>(fields: unknown[] | undefined, what: string) =>
    (fields ?? []).map((field) => {
      if (typeof field === 'function') throw new Error(`${key}: dynamic ${what}`);
      return field as T;
    });
  if (!operation.sample) throw new Error(`${key}: no sample`);
  return {
    type: operation.type,
    perform: asFunction(operation.perform, `${key}.perform`),
    inputFields: plain<Record<string, unknown> & { key: string; label: string }>(
      operation.inputFields,
      'input fields',
    ),
    outputFields: plain<PlainOutputField & { label: string }>(operation.outputFields, 'output fields'),
    sample: operation.sample,
  };
}

/** Runs the app's own functions through zapier-platform-core's `createAppTester`, as Zapier would. */
export function zapierRunner(app: KeyholeZapierApp) {
  const appTester = createAppTester(app);
  const auth = authView(app);
  const hookOf = (trigger: TriggerKey) => {
    const hook = triggerView(app, trigger).hook;
    if (!hook) throw new Error(`${trigger} is not a REST hook`);
    return hook;
  };
  const authData = (apiKey: string) => ({ authData: { apiKey } });
  return {
    /** The connection test. */
    testAuth: (apiKey: string) => appTester(auth.test, authData(apiKey)),
    connectionLabel: (apiKey: string, testResult: unknown) =>
      appTester(auth.connectionLabel, {
        ...authData(apiKey),
        inputData: testResult as Record<string, unknown>,
      }),
    /**
     * One poll of a trigger, with the flags Zapier sets in `bundle.meta` and the Zap's input fields: a
     * REST hook's `performList` (what Zapier polls for samples), else the polling `perform`.
     */
    poll: (
      trigger: TriggerKey,
      apiKey: string,
      meta: { isLoadingSample?: boolean; isPopulatingDedupe?: boolean } = {},
      inputData: Record<string, unknown> = {},
    ) => {
      const view = triggerView(app, trigger);
      return appTester(view.hook?.performList ?? view.perform, {
        ...authData(apiKey),
        meta,
        inputData,
      }) as Promise<Record<string, unknown>[]>;
    },
    /** Turning a Zap with a REST hook on: Zapier keeps the answer as `subscribeData`. */
    subscribe: (
      trigger: TriggerKey,
      apiKey: string,
      targetUrl: string,
      inputData: Record<string, unknown> = {},
    ) =>
      appTester(hookOf(trigger).performSubscribe, {
        ...authData(apiKey),
        targetUrl,
        inputData,
      }) as Promise<Record<string, unknown>>,
    /** Turning it off. */
    unsubscribe: (trigger: TriggerKey, apiKey: string, subscribeData: Record<string, unknown>) =>
      appTester(hookOf(trigger).performUnsubscribe, {
        ...authData(apiKey),
        subscribeData: subscribeData as { id: string },
      }) as Promise<unknown>,
    /** One request to the Zap's hook URL, handed to the trigger's `perform` as Zapier's endpoint does. */
    deliver: (
      trigger: TriggerKey,
      apiKey: string,
      request: HookRequest,
      subscribeData: Record<string, unknown>,
      inputData: Record<string, unknown> = {},
    ) =>
      appTester(triggerView(app, trigger).perform, {
        ...authData(apiKey),
        ...request,
        subscribeData: subscribeData as { id: string },
        targetUrl: 'https://hooks.zapier.com/hooks/standard/1/keyhole-test',
        inputData,
      }) as Promise<Record<string, unknown>[]>,
    /** One run of a search with the Zap's input fields; `[]` is Zapier's "nothing found". */
    search: (search: SearchKey, apiKey: string, inputData: Record<string, unknown>) =>
      appTester(searchView(app, search).perform, {
        ...authData(apiKey),
        inputData,
      }) as Promise<Record<string, unknown>[]>,
    /** Any function run with the app's middleware, e.g. a raw `z.request`. */
    run: <T>(apiKey: string, fn: (z: ZObject) => Promise<T>) =>
      appTester((z: ZObject) => fn(z), authData(apiKey)) as Promise<T>,
  };
}

/**
 * What zapier-platform-core's errors carry: `AppError` and `ThrottledError` hold JSON; the others a
 * message to which core appends "What happened:" context (`summary` is the message without it).
 */
export function zapierError(err: unknown): {
  name: string;
  message: string;
  summary: string;
  json: Record<string, unknown> | null;
} {
  if (!(err instanceof Error)) throw new Error(`expected an Error, got ${String(err)}`);
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(err.message) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { name: err.name, message: err.message, summary: err.message.split('\nWhat happened:')[0]!, json };
}
