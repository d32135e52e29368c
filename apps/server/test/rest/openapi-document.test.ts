import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RouterOutputs } from '@keyhole/api';
import {
  type meetingOutput,
  type meetingPageOutput,
  type okOutput,
  restErrorOutput,
  type subscribeOutput,
  type transcriptOutput,
  type webhookListOutput,
  type whoamiOutput,
} from '@keyhole/api/internal/rest/outputs';
import { REST_ROUTES } from '@keyhole/api/internal/rest/routes';
import { appRouter } from '@keyhole/api/internal/routers/app-router';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { restTypesFrom } from './rest-types';

const run = promisify(execFile);
const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));
const GENERATED = fileURLToPath(new URL('./keyhole-v1.generated.ts', import.meta.url));

interface Operation {
  operationId: string;
  summary: string;
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { example?: unknown }>; headers?: object }>;
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
};

let app: TestApp;
let server: Awaited<ReturnType<typeof startTestServer>>;
let document: Document;
let documentText: string;
let dir: string;

beforeAll(async () => {
  app = await createTestApp();
  server = await startTestServer(app);
  const response = await fetch(`${server.url}/v1/openapi.json`);
  documentText = await response.text();
  document = JSON.parse(documentText) as Document;
  dir = mkdtempSync(path.join(tmpdir(), 'keyhole-openapi-'));
});

afterAll(async () => {
  await server?.close();
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the served OpenAPI document', () => {
  it('passes @redocly/cli lint (recommended rules) with no errors and no warnings', async () => {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, documentText);
    const bin = path.join(SERVER_DIR, 'node_modules/.bin/redocly');
    const result = await run(bin, ['lint', file, '--format', 'json'], {
      cwd: dir,
      env: {
        ...process.env,
        REDOCLY_TELEMETRY: 'off',
        REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
        NO_COLOR: '1',
      },
    }).catch((err: { stdout?: string; stderr?: string; code?: number }) => err);
    const report = JSON.parse(result.stdout ?? '{}') as {
      totals?: { errors: number; warnings: number };
      problems?: { ruleId: string; message: string }[];
    };
    expect(report.problems ?? [], result.stderr).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('has one operation per REST route, each with an id, summary, 200 example and the rate-limit headers', () => {
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.entries(document.paths).flatMap(([p, methods]) =>
      Object.entries(methods).map(([m, op]) => ({ route: `${m.toUpperCase()} ${p}`, op })),
    );
    expect(operations.map((o) => o.route).sort()).toEqual(
      REST_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const { route, op } of operations) {
      expect(op.operationId, route).toBeTruthy();
      expect(op.summary, route).toBeTruthy();
      const ok = op.responses['200']!;
      expect(ok.content?.['application/json']?.example, route).toBeDefined();
      const paged = route === 'GET /v1/meetings' ? ['Link'] : [];
      expect(Object.keys(ok.headers ?? {}).sort(), route).toEqual([
        ...paged,
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ]);
      for (const status of ['401', '403', '429', '503'])
        expect(op.responses[status], `${route} ${status}`).toBeDefined();
    }
    expect(document.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      basicAuth: { type: 'http', scheme: 'basic' },
    });
    const list = document.paths['/v1/meetings']!.get!;
    expect(list.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual([
      'query:limit',
      'query:cursor',
      'query:from',
      'query:to',
      'query:state',
      'query:orderBy',
      'query:direction',
    ]);
  });

  it('its examples are answers: each parses with the output schema of its operation', () => {
    const byId = new Map(REST_ROUTES.map((r) => [r.operationId, r]));
    for (const methods of Object.values(document.paths)) {
      for (const op of Object.values(methods)) {
        const route = byId.get(op.operationId)!;
        route.output.parse(op.responses['200']!.content!['application/json']!.example);
        for (const [status, response] of Object.entries(op.responses)) {
          if (status === '200') continue;
          const example = restErrorOutput.parse(response.content!['application/json']!.example);
          expect(status, op.operationId).toMatch(/^[45]\d\d$/);
          expect(example.error.code).toBeTruthy();
        }
      }
    }
  });

  it('routes every key-holder procedure to the router: GET to a query, POST and DELETE to a mutation', () => {
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
    for (const route of REST_ROUTES)
      expect(procedures[route.procedure]?._def.type, route.procedure).toBe(
        route.method === 'GET' ? 'query' : 'mutation',
      );
    expect(REST_ROUTES.map((r) => r.procedure).sort()).toEqual([
      'meetings.get',
      'meetings.list',
      'meetings.transcript',
      'webhooks.list',
      'webhooks.subscribe',
      'webhooks.unsubscribe',
      'whoami',
    ]);
  });

  it('the output schemas are exactly the procedures’ output types', () => {
    expectTypeOf<z.output<typeof meetingOutput>>().toEqualTypeOf<RouterOutputs['meetings']['get']>();
    expectTypeOf<z.output<typeof meetingPageOutput>>().toEqualTypeOf<RouterOutputs['meetings']['list']>();
    expectTypeOf<z.output<typeof transcriptOutput>>().toEqualTypeOf<
      RouterOutputs['meetings']['transcript']
    >();
    expectTypeOf<z.output<typeof whoamiOutput>>().toEqualTypeOf<RouterOutputs['whoami']>();
    expectTypeOf<z.output<typeof webhookListOutput>>().toEqualTypeOf<RouterOutputs['webhooks']['list']>();
    expectTypeOf<z.output<typeof subscribeOutput>>().toEqualTypeOf<RouterOutputs['webhooks']['subscribe']>();
    expectTypeOf<z.output<typeof okOutput>>().toEqualTypeOf<RouterOutputs['webhooks']['unsubscribe']>();
  });

  it('the committed openapi-typescript types are those of the served document', async () => {
    const fresh = await restTypesFrom(document);
    expect(
      fresh === readFileSync(GENERATED, 'utf8'),
      'test/rest/keyhole-v1.generated.ts is stale: run pnpm --filter @keyhole/server generate:rest-types',
    ).toBe(true);
  });
});
