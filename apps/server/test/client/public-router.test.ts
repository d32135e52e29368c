/**
 * The client's PublicRouter is hand-written so that its `.d.ts` carries no server type; these checks
 * make it the server's router seen from a key: every procedure it names has exactly `AppRouter`'s
 * input and output types, the same error shape, meta and transformer. They run in `pnpm typecheck`
 * (expectTypeOf is checked by tsc; at run time these tests do nothing). Which procedures a key may
 * call at all is proven over HTTP by test/security/authorization-matrix.test.ts.
 */
import type { AppRouter, RouterInputs, RouterOutputs } from '@keyhole/api';
import type { inferRouterError } from '@trpc/server';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  RouterInputs as PublicInputs,
  RouterOutputs as PublicOutputs,
  PublicRouter,
} from '../../../../packages/client/src/index';

type RootOf<R extends { _def: { _config: { $types: object } } }> = R['_def']['_config']['$types'];

describe('PublicRouter equals the key-holder part of AppRouter', () => {
  it('has the same inputs, procedure by procedure', () => {
    expectTypeOf<PublicInputs['health']>().toEqualTypeOf<RouterInputs['health']>();
    expectTypeOf<PublicInputs['whoami']>().toEqualTypeOf<RouterInputs['whoami']>();
    expectTypeOf<PublicInputs['meetings']['list']>().toEqualTypeOf<RouterInputs['meetings']['list']>();
    expectTypeOf<PublicInputs['meetings']['get']>().toEqualTypeOf<RouterInputs['meetings']['get']>();
    expectTypeOf<PublicInputs['meetings']['transcript']>().toEqualTypeOf<
      RouterInputs['meetings']['transcript']
    >();
  });

  it('has the same outputs, procedure by procedure', () => {
    expectTypeOf<PublicOutputs['health']>().toEqualTypeOf<RouterOutputs['health']>();
    expectTypeOf<PublicOutputs['whoami']>().toEqualTypeOf<RouterOutputs['whoami']>();
    expectTypeOf<PublicOutputs['meetings']['list']>().toEqualTypeOf<RouterOutputs['meetings']['list']>();
    expectTypeOf<PublicOutputs['meetings']['get']>().toEqualTypeOf<RouterOutputs['meetings']['get']>();
    expectTypeOf<PublicOutputs['meetings']['transcript']>().toEqualTypeOf<
      RouterOutputs['meetings']['transcript']
    >();
  });

  it('has the same error shape, meta and transformer; only the context is opaque', () => {
    expectTypeOf<inferRouterError<PublicRouter>>().toEqualTypeOf<inferRouterError<AppRouter>>();
    expectTypeOf<RootOf<PublicRouter>['meta']>().toEqualTypeOf<RootOf<AppRouter>['meta']>();
    expectTypeOf<RootOf<PublicRouter>['transformer']>().toEqualTypeOf<RootOf<AppRouter>['transformer']>();
    expectTypeOf<PublicRouter['meetings']['list']['_def']['$types']['errorShape']>().toEqualTypeOf<
      AppRouter['meetings']['list']['_def']['$types']['errorShape']
    >();
  });

  it('types as queries only procedures the server serves as queries', () => {
    expectTypeOf<AppRouter['health']['_def']['type']>().toEqualTypeOf<'query'>();
    expectTypeOf<AppRouter['whoami']['_def']['type']>().toEqualTypeOf<'query'>();
    expectTypeOf<AppRouter['meetings']['list']['_def']['type']>().toEqualTypeOf<'query'>();
    expectTypeOf<AppRouter['meetings']['get']['_def']['type']>().toEqualTypeOf<'query'>();
    expectTypeOf<AppRouter['meetings']['transcript']['_def']['type']>().toEqualTypeOf<'query'>();
  });
});
