import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpMutation } from '@keyhole/testing/http';
import { type KeyholeServer, runCli, startServer } from './keyhole-server';

/** The demo org's people (the API's demo seed); all share the public demo password. */
export const DEMO = {
  password: 'keyhole-demo-password',
  admin: 'admin@acme.test',
  member: 'bea@acme.test',
} as const;

export interface DemoServer extends KeyholeServer {
  /** Signs in over HTTP as the browser would and returns the session cookie (`name=value`). */
  signIn(email: string): Promise<{ name: string; value: string }>;
}

/**
 * `keyhole serve` on a fresh embedded database holding the demo org (`seed --demo`); `env` sets more
 * of its configuration (e.g. KEYHOLE_SECRET_SCANNING_KEYS_FILE).
 */
export async function startDemoServer(env: Record<string, string> = {}): Promise<DemoServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-demo-'));
  const seeded = await runCli(dataDir, ['seed', '--demo']);
  if (seeded.code !== 0) throw new Error(`seed --demo failed:\n${seeded.stdout}${seeded.stderr}`);
  const server = await startServer(dataDir, 0, env);
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async signIn(email) {
      const res = await httpMutation(server.url, 'auth.signIn', { email, password: DEMO.password });
      const cookie = res.setCookies[0];
      if (res.status !== 200 || !cookie) throw new Error(`sign-in as ${email}: ${res.status} ${res.text}`);
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      return { name: pair.slice(0, at), value: pair.slice(at + 1) };
    },
  };
}
