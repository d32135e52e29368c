import { Writable } from 'node:stream';
import { type App, createApp } from '@keyhole/api/internal/app';
import type { KeyholeDatabase } from '@keyhole/api/internal/db/create-database';
import { loadConfig } from '@keyhole/api/internal/env';
import { type Clock, ManualClock } from '@keyhole/api/internal/lib/clock';
import { createLogger } from '@keyhole/api/internal/lib/logger';
import { appRouter } from '@keyhole/api/internal/routers/app-router';
import { createContextInner, HeaderBag, type RequestInfo } from '@keyhole/api/internal/trpc/context';
import { createCallerFactory } from '@keyhole/api/internal/trpc/trpc';
import { startHttpServer } from '../../src/http/http-server';
import { createTestDatabase, testConfigSource } from './test-database';

/** Every log line a test app writes, kept so tests can search them for secrets. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
    cb();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

const createCaller = createCallerFactory(appRouter);
type AppCaller = ReturnType<typeof createCaller>;

export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export interface TestApp extends App {
  database: KeyholeDatabase;
  logs: LogCapture;
  clock: Clock;
  /** A tRPC caller with the given request details (cookies, Authorization…). */
  caller(req?: Partial<RequestInfo>): AppCaller;
  /** The same, also returning the headers procedures set (Set-Cookie, rate-limit figures). */
  callerWithHeaders(req?: Partial<RequestInfo>): {
    caller: AppCaller;
    headers: HeaderBag;
  };
}

export async function createTestApp(
  opts: { env?: Record<string, string>; clock?: Clock; database?: KeyholeDatabase } = {},
): Promise<TestApp> {
  const database = opts.database ?? (await createTestDatabase());
  const logs = new LogCapture();
  const config = loadConfig({ ...testConfigSource(), ...opts.env });
  const clock = opts.clock ?? new ManualClock();
  const app = await createApp(config, {
    database,
    clock,
    logger: createLogger(config.logLevel, logs),
    secret: TEST_SECRET,
  });
  const callerWithHeaders = (req: Partial<RequestInfo> = {}) => {
    const headers = new HeaderBag();
    return { caller: createCaller(createContextInner({ deps: app.deps, req, res: headers })), headers };
  };
  return {
    ...app,
    database,
    logs,
    clock,
    callerWithHeaders,
    caller: (req = {}) => callerWithHeaders(req).caller,
  };
}

/** The test app behind a real HTTP server on a free loopback port. */
export async function startTestServer(app: TestApp) {
  return startHttpServer(app.deps, { host: '127.0.0.1', port: 0 });
}
