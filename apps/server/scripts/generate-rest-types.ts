// Writes test/rest/keyhole-v1.generated.ts: the TypeScript types openapi-typescript generates from the
// REST face's OpenAPI document — what any integrator would generate. The REST tests drive the API
// through openapi-fetch with these types, and test/rest/openapi-document.test.ts fails when they
// are stale. Run: pnpm --filter @keyhole/server generate:rest-types
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocumentText } from '@keyhole/api/host';
import { restTypesFrom } from '../test/rest/rest-types';

const target = fileURLToPath(new URL('../test/rest/keyhole-v1.generated.ts', import.meta.url));
writeFileSync(target, await restTypesFrom(JSON.parse(openApiDocumentText('0.0.0', 'http://127.0.0.1:3000'))));
console.log(`wrote ${target}`);
