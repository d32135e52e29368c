import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpMutation, httpQuery } from '@keyhole/testing/http';
import { childEnv, type ServeProcess, startServe } from '@keyhole/testing/serve-process';
import {
  type Admin,
  type ApiOverHttp,
  type ApiUser,
  callOverHttp,
  type Member,
  signIn,
  signUpOrg,
} from './keyhole-server';

// Zapier's runtime wraps the global fetch for its logs once an app has run; the world uses the plain one.
const plainFetch = globalThis.fetch.bind(globalThis);

/**
 * A real `keyhole serve` process on an embedded database of its own: what the in-process server of
 * keyhole-server.ts cannot be for webhooks, whose deliveries a process's worker sends. Its clock is
 * the real one. `KEYHOLE_API_URL` points at it, as Zapier's environment would.
 */
export class KeyholeProcess implements ApiOverHttp {
  private constructor(
    private readonly served: ServeProcess,
    private readonly dataDir: string,
  ) {}

  get url(): string {
    return this.served.url;
  }

  /** What the process wrote so far (its log), for a failing test's message. */
  output(): string {
    return this.served.child.output();
  }

  static async start(env: Record<string, string> = {}): Promise<KeyholeProcess> {
    const dataDir = await mkdtemp(join(tmpdir(), 'keyhole-zapier-'));
    // The runner's KEYHOLE_*, DATABASE_URL and REDIS_URL would point the child at shared state.
    const served = await startServe(
      childEnv(
        {
          NODE_ENV: 'test',
          KEYHOLE_DATA_DIR: dataDir,
          HOST: '127.0.0.1',
          PORT: '0',
          KEYHOLE_SEED: 'off',
          KEYHOLE_PASSWORD_COST: '10',
          KEYHOLE_LOG_LEVEL: 'warn',
          ...env,
        },
        { drop: ['REDIS_URL', 'PORT', 'HOST'] },
      ),
      { name: 'keyhole serve (zapier)', timeoutMs: 90_000 },
    );
    process.env.KEYHOLE_API_URL = served.url;
    return new KeyholeProcess(served, dataDir);
  }

  async stop(): Promise<void> {
    await this.served.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** Meetings get distinct times from the real clock; nothing to move. */
  tick(): void {}

  call<T>(method: 'GET' | 'POST', procedure: string, cookie: string | undefined, input?: unknown) {
    return callOverHttp<T>(this.url, method, procedure, cookie, input);
  }

  signUpOrg(orgName?: string): Promise<Admin> {
    return signUpOrg(this, orgName);
  }

  signIn(user: ApiUser): Promise<Member> {
    return signIn(this, user);
  }

  /** One tRPC call with an API key, as an integration makes it; the status and envelope as answered. */
  async withKey<T>(apiKey: string, method: 'GET' | 'POST', procedure: string, input?: unknown) {
    const opts = { authorization: `Bearer ${apiKey}`, fetch: plainFetch };
    const res =
      method === 'GET'
        ? await httpQuery<T>(this.url, procedure, input, opts)
        : await httpMutation<T>(this.url, procedure, input, opts);
    return { status: res.status, body: res.body };
  }
}
