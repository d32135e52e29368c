import { cookieHeader, type HttpCallOptions, httpMutation } from './http';

/**
 * A test world made over HTTP, against a server whose database the test cannot (or should not)
 * open — e.g. a real `keyhole serve` holding its embedded database's lock. Start the server with a
 * low `KEYHOLE_PASSWORD_COST` so sign-up is quick.
 */

export interface SignUpInput {
  orgName: string;
  name: string;
  email: string;
  password: string;
}

export interface HttpAccount {
  cookie: string;
  keyId: string;
  keyString: string;
}

/** A mutation that must answer 200; its data. */
async function mustMutate<T>(url: string, path: string, input: unknown, opts: HttpCallOptions = {}) {
  const res = await httpMutation<T>(url, path, input, opts);
  if (res.status !== 200 || !res.body.result) throw new Error(`${path}: ${res.status} ${res.text}`);
  return { res, data: res.body.result.data };
}

/** A new org and its admin, signed up over HTTP: the admin's session cookie and what sign-up answered. */
export async function signUpOverHttp<T = unknown>(
  url: string,
  who: string | SignUpInput,
  opts: HttpCallOptions = {},
): Promise<{ cookie: string; data: T }> {
  const input =
    typeof who === 'string'
      ? {
          orgName: `Org ${who}`,
          name: `Admin ${who}`,
          email: `admin-${who}-${Date.now()}@example.com`,
          password: 'correct horse battery staple',
        }
      : who;
  const { res, data } = await mustMutate<T>(url, 'auth.signUp', input, opts);
  return { cookie: cookieHeader(res), data };
}

/** A new org, its admin's session and one org_full API key, all over HTTP. */
export async function signUpWithKey(url: string, label: string): Promise<HttpAccount> {
  const { cookie } = await signUpOverHttp(url, label);
  const { data } = await mustMutate<{ key: { id: string }; secret: string }>(
    url,
    'keys.create',
    { name: `key ${label}`, scope: 'org_full' },
    { cookie },
  );
  return { cookie, keyId: data.key.id, keyString: data.secret };
}
