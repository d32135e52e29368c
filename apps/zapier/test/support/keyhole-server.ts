import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppRouter } from '@keyhole/api';
import type { ManualClock } from '@keyhole/api/internal/lib/clock';
import { systemActor } from '@keyhole/api/internal/services/actor';
import { importLegacyKey } from '@keyhole/api/internal/services/keys/import-legacy-key';
import { httpMutation, httpQuery, type TrpcEnvelope } from '@keyhole/testing/http';
import { uniqueIp } from '@keyhole/testing/ips';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTestApp, startTestServer, type TestApp } from '../../../server/test/support/test-app';

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;
export type ApiMeeting = Outputs['meetings']['create'];
export type ApiUser = Outputs['members']['add'];
export type ApiKeyView = Outputs['keys']['create']['key'];
export type ApiWhoAmI = Outputs['whoami'];
export type ApiTranscript = Outputs['meetings']['transcript'];
export type ApiWebhookSubscribed = Outputs['webhooks']['subscribe'];
export type ApiWebhookList = Outputs['webhooks']['list'];

// Zapier's runtime wraps the global fetch for its logs once an app has run; the world is built with
// the plain one.
const plainFetch = globalThis.fetch.bind(globalThis);

/** One HTTP request the API server received, as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  /** The parsed `input` query parameter of a GET, if any. */
  input: unknown;
  status: number;
  retryAfter: string | null;
}

const PASSWORD = 'zapier test passphrase';

const uniqueEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.test`;

/**
 * The real API, in-process (PGlite, or PostgreSQL with DATABASE_URL), behind a real HTTP server whose
 * requests are recorded. `KEYHOLE_API_URL` points at it, as Zapier's environment would.
 */
export class KeyholeServer implements ApiOverHttp {
  readonly requests: SeenRequest[] = [];

  private constructor(
    readonly app: TestApp,
    readonly url: string,
    private readonly close: () => Promise<void>,
  ) {}

  static async start(): Promise<KeyholeServer> {
    // Trusting X-Forwarded-For lets this file send from an address of its own: with REDIS_URL the
    // per-IP counters (sign-in, failed authentications) are shared with every other test process.
    const app = await createTestApp({ env: { KEYHOLE_TRUST_PROXY: '1' } });
    const running = await startTestServer(app);
    const server = new KeyholeServer(app, running.url, () => running.close());
    const clientIp = uniqueIp();
    const [listener] = running.server.listeners('request') as ((
      req: IncomingMessage,
      res: ServerResponse,
    ) => void)[];
    running.server.removeAllListeners('request');
    running.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      req.headers['x-forwarded-for'] = clientIp;
      server.record(req, res);
      listener!(req, res);
    });
    process.env.KEYHOLE_API_URL = running.url;
    return server;
  }

  async stop(): Promise<void> {
    await this.close();
    await this.app.close();
  }

  private record(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    const rawInput = url.searchParams.get('input');
    const seen: SeenRequest = {
      method: req.method ?? '',
      path: url.pathname,
      input: rawInput === null ? undefined : JSON.parse(rawInput),
      status: 0,
      retryAfter: null,
    };
    this.requests.push(seen);
    res.on('finish', () => {
      seen.status = res.statusCode;
      const retryAfter = res.getHeader('retry-after');
      seen.retryAfter = retryAfter === undefined ? null : String(retryAfter);
    });
  }

  /** The requests the server received while `run` ran, with its result. */
  async observe<T>(run: () => Promise<T>): Promise<{ result: T; requests: SeenRequest[] }> {
    const from = this.requests.length;
    const result = await run();
    return { result, requests: this.requests.slice(from) };
  }

  /** Moves the API's clock, so meetings get distinct `createdAt` / `completedAt`. */
  tick(ms = 60_000) {
    (this.app.clock as ManualClock).advance(ms);
  }

  /** Signs up a new org through `auth.signUp`; its admin's session is the cookie it set. */
  signUpOrg(orgName?: string): Promise<Admin> {
    return signUpOrg(this, orgName);
  }

  /**
   * A legacy key for the org, minted as `keyhole legacy-import` mints it: legacy keys predate scopes
   * and can never be created through the API.
   */
  async mintLegacyKey(orgId: string): Promise<{ secret: string }> {
    const { secret } = await importLegacyKey(this.app.deps, systemActor(orgId), { name: 'Old integration' });
    return { secret };
  }

  /** Signs in through `auth.signIn`, as the user would in the web app. */
  signIn(user: ApiUser): Promise<Member> {
    return signIn(this, user);
  }

  /** One tRPC call over HTTP; throws with the API's error body on failure. */
  call<T>(method: 'GET' | 'POST', procedure: string, cookie: string | undefined, input?: unknown) {
    return callOverHttp<T>(this.url, method, procedure, cookie, input);
  }
}

/**
 * What a test world is built through: the API over HTTP (this file's in-process server, or a real
 * `keyhole serve`, keyhole-process.ts), and a step of its clock between meetings.
 */
export interface ApiOverHttp {
  readonly url: string;
  call<T>(
    method: 'GET' | 'POST',
    procedure: string,
    cookie: string | undefined,
    input?: unknown,
  ): Promise<{ data: T; cookie: string | undefined }>;
  tick(ms?: number): void;
}

/** One tRPC call over HTTP with a session cookie; throws with the API's error body on failure. */
export async function callOverHttp<T>(
  url: string,
  method: 'GET' | 'POST',
  procedure: string,
  cookie: string | undefined,
  input?: unknown,
): Promise<{ data: T; cookie: string | undefined }> {
  const res =
    method === 'GET'
      ? await httpQuery<T>(url, procedure, input, { cookie, fetch: plainFetch })
      : await httpMutation<T>(url, procedure, input, { cookie, fetch: plainFetch });
  const { body } = res;
  if (res.status !== 200 || !body.result) {
    throw new Error(`${procedure} answered ${res.status}: ${JSON.stringify(body.error ?? body)}`);
  }
  const session = res.setCookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith('keyhole_session='));
  return { data: body.result.data, cookie: session ?? cookie };
}

/** A new org through `auth.signUp`; its admin's session is the cookie it set. */
export async function signUpOrg(
  api: ApiOverHttp,
  orgName = `Org ${randomUUID().slice(0, 6)}`,
): Promise<Admin> {
  const email = uniqueEmail('admin');
  const { data, cookie } = await api.call<Outputs['auth']['signUp']>('POST', 'auth.signUp', undefined, {
    orgName,
    name: 'Ada Admin',
    email,
    password: PASSWORD,
  } satisfies Inputs['auth']['signUp']);
  return new Admin(api, data.user, cookie!, data.org);
}

/** Signs in through `auth.signIn`, as the user would in the web app. */
export async function signIn(api: ApiOverHttp, user: ApiUser): Promise<Member> {
  const { data, cookie } = await api.call<Outputs['auth']['signIn']>('POST', 'auth.signIn', undefined, {
    email: user.email,
    password: PASSWORD,
  });
  return new Member(api, data.user, cookie!);
}

/** A signed-in user of an org, acting through the API with their session cookie. */
export class Member {
  constructor(
    protected readonly server: ApiOverHttp,
    readonly user: ApiUser,
    protected readonly cookie: string,
  ) {}

  protected async mutate<T>(procedure: string, input: unknown): Promise<T> {
    return (await this.server.call<T>('POST', procedure, this.cookie, input)).data;
  }

  /** `meetings.create` with this user as host; the API's clock then moves on a minute. */
  async createMeeting(
    subject: string,
    opts: Omit<Inputs['meetings']['create'], 'subject' | 'startAt' | 'endAt'> = {},
  ): Promise<ApiMeeting> {
    const meeting = await this.mutate<ApiMeeting>('meetings.create', {
      subject,
      startAt: '2026-02-02T09:00:00Z',
      endAt: '2026-02-02T09:30:00Z',
      ...opts,
    } satisfies Inputs['meetings']['create']);
    this.server.tick();
    return meeting;
  }

  /** `meetings.update` (host only); the API's clock then moves on a minute. */
  async updateMeeting(id: string, patch: Omit<Inputs['meetings']['update'], 'id'>): Promise<ApiMeeting> {
    const meeting = await this.mutate<ApiMeeting>('meetings.update', { id, ...patch });
    this.server.tick();
    return meeting;
  }
}

/** The org's admin: adds members and manages keys through the API. */
export class Admin extends Member {
  constructor(
    server: ApiOverHttp,
    user: ApiUser,
    cookie: string,
    readonly org: Outputs['auth']['signUp']['org'],
  ) {
    super(server, user, cookie);
  }

  async addMember(name: string): Promise<ApiUser> {
    return this.mutate<ApiUser>('members.add', {
      email: uniqueEmail(name.toLowerCase()),
      name,
      role: 'member',
      password: PASSWORD,
    } satisfies Inputs['members']['add']);
  }

  async setStatus(userId: string, status: 'active' | 'deactivated'): Promise<ApiUser> {
    return this.mutate<ApiUser>('members.setStatus', { userId, status });
  }

  /** `keys.create`; returns the view and the whole key string a user would paste into Zapier. */
  async createKey(input: Inputs['keys']['create']): Promise<{ key: ApiKeyView; secret: string }> {
    return this.mutate<Outputs['keys']['create']>('keys.create', input);
  }

  async revokeKey(id: string): Promise<void> {
    await this.mutate<Outputs['keys']['revoke']>('keys.revoke', { id });
  }
}

/** `whoami` with a key, straight over HTTP: what the API itself answers, to compare Zapier's errors with. */
export async function rawWhoami(server: KeyholeServer, apiKey: string) {
  const res = await httpQuery(server.url, 'whoami', undefined, {
    authorization: `Bearer ${apiKey}`,
    fetch: plainFetch,
  });
  return { status: res.status, error: (JSON.parse(res.text) as TrpcEnvelope).error };
}
