import { cookieHeader, httpMutation } from '@keyhole/testing/http';

/**
 * An org, its admin's session and one API key, made over HTTP against a real `keyhole serve` (whose
 * embedded database the test cannot open: the server holds its lock). Start the server with a low
 * `KEYHOLE_PASSWORD_COST` so sign-up is quick.
 */
export interface HttpAccount {
  cookie: string;
  keyId: string;
  keyString: string;
}

async function post(url: string, path: string, input: unknown, headers: Record<string, string> = {}) {
  const res = await httpMutation(url, path, input, { headers });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`);
  return { res, data: (JSON.parse(res.text) as { result: { data: unknown } }).result.data };
}

/** A new org and its admin, signed up over HTTP; the admin's session cookie. */
export async function signUpOverHttp(url: string, label: string): Promise<string> {
  const { res } = await post(url, 'auth.signUp', {
    orgName: `Org ${label}`,
    name: `Admin ${label}`,
    email: `admin-${label}-${Date.now()}@example.com`,
    password: 'correct horse battery staple',
  });
  return cookieHeader(res);
}

export async function signUpWithKey(url: string, label: string): Promise<HttpAccount> {
  const cookie = await signUpOverHttp(url, label);
  const { data } = await post(url, 'keys.create', { name: `key ${label}`, scope: 'org_full' }, { cookie });
  const created = data as { key: { id: string }; secret: string };
  return { cookie, keyId: created.key.id, keyString: created.secret };
}
