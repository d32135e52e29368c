import { execFileSync } from 'node:child_process';
import dc from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isPublicAddress } from '@keyhole/api/internal/lib/outbound/address-policy';
import type { Lookup, OutboundPolicy } from '@keyhole/api/internal/lib/outbound/outbound-policy';
import {
  type OutboundResult,
  parseRetryAfter,
  postWebhook,
} from '@keyhole/api/internal/lib/outbound/post-webhook';
import { checkWebhookUrl, checkWebhookUrlShape } from '@keyhole/api/internal/lib/outbound/webhook-url';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, test } from 'vitest';

// SPEC §11 "Outbound safety". Every receiver is a real node:http server on loopback; every other
// destination is refused before a connection is made, which the diagnostics channel below proves:
// each client socket this file opens is recorded with every address it tries to connect to.

const attempts: { address: string; port: number }[] = [];
const clientSockets: net.Socket[] = [];
const onClientSocket = (message: unknown) => {
  const { socket } = message as { socket: net.Socket };
  clientSockets.push(socket);
  socket.on('connectionAttempt', (address: string, port: number) => attempts.push({ address, port }));
};
dc.subscribe('net.client.socket', onClientSocket);

const LOOPBACK = new Set(['127.0.0.1', '::1']);
afterEach(() => {
  expect(attempts.filter((a) => !LOOPBACK.has(a.address))).toEqual([]);
  // postWebhook has settled by now, and it leaves no socket behind.
  expect(clientSockets.filter((s) => !s.destroyed)).toHaveLength(0);
});
afterAll(() => dc.unsubscribe('net.client.socket', onClientSocket));

/** Counts of client sockets created and connection attempts made while `run` ran. */
async function observe<T>(run: () => Promise<T>): Promise<{ result: T; sockets: number; attempts: number }> {
  const sockets = clientSockets.length;
  const tried = attempts.length;
  const result = await run();
  return { result, sockets: clientSockets.length - sockets, attempts: attempts.length - tried };
}

interface Receiver {
  port: number;
  /** `http://127.0.0.1:port` (or `http://[::1]:port`). */
  origin: string;
  connections: number;
  requests: { method: string; headers: http.IncomingHttpHeaders; body: string }[];
  /** Resolves once `n` connections have closed (as the server sees them). */
  closed(n?: number): Promise<void>;
}

const open: { server: net.Server; sockets: Set<net.Socket> }[] = [];
afterEach(async () => {
  for (const { server, sockets } of open.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

async function receiver(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  host = '127.0.0.1',
  server: http.Server = http.createServer(),
): Promise<Receiver> {
  const sockets = new Set<net.Socket>();
  let closedCount = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const r: Receiver = {
    port: 0,
    origin: '',
    connections: 0,
    requests: [],
    closed: (n = 1) =>
      new Promise<void>((resolve) => (closedCount >= n ? resolve() : waiters.push({ n, resolve }))),
  };
  const track = (socket: net.Socket) => {
    r.connections += 1;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closedCount += 1;
      for (const w of waiters.filter((w) => closedCount >= w.n)) w.resolve();
    });
  };
  // A TLS server's 'connection' is the TCP socket, before any handshake.
  server.on('connection', track);
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.requests.push({ method: req.method!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  open.push({ server, sockets });
  r.port = (server.address() as net.AddressInfo).port;
  r.origin = host.includes(':') ? `http://[${host}]:${r.port}` : `http://${host}:${r.port}`;
  return r;
}

/** Dev and tests: http and loopback allowed, and nothing but loopback. */
const LOCAL: OutboundPolicy = { allowHttp: true, allowPrivate: true, allowedHosts: ['127.0.0.1', '::1'] };
/** Any host, private addresses allowed: only ever used with injected lookups that answer loopback. */
const LOCAL_ANY_HOST: OutboundPolicy = { ...LOCAL, allowedHosts: null };
/** Production's address rule (http allowed only so the loopback receivers could be reached if it failed). */
const STRICT: OutboundPolicy = { allowHttp: true, allowPrivate: false, allowedHosts: null };

const post = (url: string, extra: Partial<Parameters<typeof postWebhook>[1]> = {}) =>
  postWebhook(url, { headers: {}, body: '{}', policy: LOCAL, ...extra });

function expectResponse(r: OutboundResult): Extract<OutboundResult, { kind: 'response' }> {
  if (r.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(r)}`);
  return r;
}

function expectFailed(r: OutboundResult, error: string): Extract<OutboundResult, { kind: 'failed' }> {
  if (r.kind !== 'failed' || r.error !== error)
    throw new Error(`expected ${error}, got ${JSON.stringify(r)}`);
  return r;
}

/** A lookup that answers from a script, one answer per call (the last one repeats), counting calls. */
function scriptedLookup(...answers: string[][]): Lookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    const answer = answers[Math.min(calls.length, answers.length - 1)]!;
    calls.push(hostname);
    return answer.map((address) => ({ address, family: net.isIP(address) as 4 | 6 }));
  };
  return Object.assign(lookup, { calls });
}

const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const s = net.createServer();
  s.once('error', () => resolve(false));
  s.listen(0, '::1', () => s.close(() => resolve(true)));
});

describe('postWebhook against real receivers', () => {
  test('a 200: POST, JSON content type, user agent, caller headers and body sent; 1 KiB kept, never half a character', async () => {
    const threeByte = `${'a'.repeat(1023)}€${'b'.repeat(5000)}`; // € would straddle byte 1024
    const twoByte = `${'a'.repeat(1022)}é${'b'.repeat(5000)}`; // é ends exactly at byte 1024
    const bodies = [threeByte, twoByte];
    const rcv = await receiver((_req, res) => res.end(bodies.shift()));

    const first = expectResponse(
      await post(`${rcv.origin}/hooks/in?x=1`, {
        headers: { 'Webhook-Id': 'msg_1', 'Content-Type': 'text/plain', 'User-Agent': 'spoof' },
        body: '{"type":"meeting.completed"}',
      }),
    );
    expect(first.status).toBe(200);
    expect(first.body).toBe('a'.repeat(1023));
    expect(first.retryAfterSeconds).toBeNull();
    const second = expectResponse(await post(rcv.origin));
    expect(second.body).toBe(`${'a'.repeat(1022)}é`);
    expect(Buffer.byteLength(second.body)).toBe(1024);

    const [req] = rcv.requests;
    expect(req!.method).toBe('POST');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['user-agent']).toBe('Keyhole-Webhooks/1');
    expect(req!.headers['webhook-id']).toBe('msg_1');
    expect(req!.body).toBe('{"type":"meeting.completed"}');
    // No pooling: one connection per delivery, closed once it is answered.
    await rcv.closed(2);
    expect(rcv.connections).toBe(2);
  });

  test('a 500 is a response with status 500 and its body excerpt', async () => {
    const rcv = await receiver((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const r = expectResponse(await post(rcv.origin));
    expect(r.status).toBe(500);
    expect(r.body).toBe('boom');
  });

  test('a 302 is returned as is; its Location is never visited', async () => {
    const target = await receiver((_req, res) => res.end('should never be reached'));
    const rcv = await receiver((_req, res) => {
      res.writeHead(302, { location: `${target.origin}/elsewhere` });
      res.end();
    });
    const r = expectResponse(await post(rcv.origin));
    expect(r.status).toBe(302);
    expect(target.connections).toBe(0);
    expect(rcv.connections).toBe(1);
  });

  test('a receiver that accepts and never answers is cut at the 10 s default deadline', async () => {
    const rcv = await receiver(() => {}); // reads the request, never answers
    const started = performance.now();
    const r = expectFailed(await post(rcv.origin), 'timeout');
    const measured = performance.now() - started;
    console.info(
      `never-answering receiver cut after ${Math.round(measured)} ms (durationMs ${r.durationMs})`,
    );
    expect(measured).toBeGreaterThanOrEqual(9500);
    expect(measured).toBeLessThanOrEqual(11_500);
    expect(r.durationMs).toBeGreaterThanOrEqual(9500);
    expect(rcv.requests).toHaveLength(1);
    await rcv.closed(); // the socket was closed by the cut
  }, 20_000);

  test('a receiver trickling bytes forever is cut at the deadline too', async () => {
    const rcv = await receiver((_req, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(t));
    });
    expectFailed(await post(rcv.origin, { timeoutMs: 500 }), 'timeout');
    await rcv.closed();
  });

  test('a receiver streaming 10 MiB: at most 64 KiB read, then the connection is dropped; the status counts', async () => {
    let written = 0;
    const rcv = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (written < 10 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        // All 10 MiB queued, and the answer is never ended: only a reader that stops can settle.
      };
      pump();
    });
    const before = clientSockets.length;
    const r = expectResponse(await post(rcv.origin, { timeoutMs: 20_000 }));
    const socket = clientSockets[before]!;
    console.info(
      `10 MiB receiver: client socket read ${socket.bytesRead} bytes (headers included), durationMs ${r.durationMs}`,
    );
    expect(r.status).toBe(200);
    expect(r.body).toBe('x'.repeat(1024));
    expect(socket.destroyed).toBe(true);
    // Sockets deliver in reads of at most 64 KiB; the read that crosses 64 KiB of body is the last.
    expect(socket.bytesRead).toBeLessThanOrEqual(2 * 64 * 1024 + 1024);
    await rcv.closed();
  });

  test('Retry-After: seconds, an HTTP-date, clamped to 0..86400, nonsense ignored', async () => {
    const values = [
      '120',
      '999999',
      'Fri, 01 Jan 2100 00:00:00 GMT',
      'Thu, 01 Jan 1970 00:00:00 GMT',
      'soon',
    ];
    const rcv = await receiver((_req, res) => {
      res.writeHead(503, { 'retry-after': values[rcv.requests.length - 1]! });
      res.end();
    });
    const seen: (number | null)[] = [];
    for (const _ of values) seen.push(expectResponse(await post(rcv.origin)).retryAfterSeconds);
    expect(seen).toEqual([120, 86_400, 86_400, 0, null]);

    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(parseRetryAfter('Thu, 03 Dec 2026 12:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Thursday, 03-Dec-26 12:00:05 GMT', now)).toBe(5);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  test('connection refused is connect; an unresolvable name is dns; an aborted signal is aborted', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    expectFailed(await post(`http://127.0.0.1:${closedPort}/`), 'connect');

    const nowhere: Lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const policy = { ...LOCAL, allowedHosts: ['nowhere.test'] };
    const dns = await observe(() => post('http://nowhere.test/', { policy, lookup: nowhere }));
    expectFailed(dns.result, 'dns');
    expect(dns.attempts).toBe(0);
    for (const policy of [STRICT, LOCAL_ANY_HOST]) {
      expect(await checkWebhookUrl('https://nowhere.test/', policy, nowhere)).toEqual({
        ok: false,
        message: 'nowhere.test does not resolve to an address.',
      });
    }
    // A broken injected lookup (throws at once, rejects with a non-error, answers nothing) is dns too.
    const broken: Lookup[] = [
      () => {
        throw new Error('sync');
      },
      () => Promise.reject('not an error'),
      async () => [],
    ];
    for (const lookup of broken) {
      expectFailed(await post('http://nowhere.test/', { policy, lookup }), 'dns');
      expect((await checkWebhookUrl('https://nowhere.test/', STRICT, lookup)).ok).toBe(false);
    }

    const rcv = await receiver(() => {});
    const controller = new AbortController();
    const pending = post(rcv.origin, { signal: controller.signal });
    await new Promise<void>((resolve) => {
      const wait = () => (rcv.requests.length > 0 ? resolve() : setTimeout(wait, 5));
      wait();
    });
    controller.abort();
    expectFailed(await pending, 'aborted');
    await rcv.closed();
    expectFailed(await post(rcv.origin, { signal: AbortSignal.abort() }), 'aborted');
  });

  test('a receiver that hangs up is network, one that answers garbage is bad_response; an unsendable header is invalid_request', async () => {
    const hangsUp = await receiver((req) => req.socket.destroy());
    expectFailed(await post(hangsUp.origin), 'network');

    const sockets = new Set<net.Socket>();
    const garbage = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    open.push({ server: garbage, sockets });
    const { port } = garbage.address() as net.AddressInfo;
    expectFailed(await post(`http://127.0.0.1:${port}/`), 'bad_response');

    const rcv = await receiver((_req, res) => res.end('ok'));
    const sent = await observe(() => post(rcv.origin, { headers: { 'webhook-id': 'a\r\nx-injected: 1' } }));
    expectFailed(sent.result, 'invalid_request');
    expect(sent.sockets).toBe(0);
    expect(rcv.connections).toBe(0);
  });

  test('a host name is resolved through the injected lookup at connect time, in both lookup callback shapes', async () => {
    const rcv = await receiver((_req, res) => res.end('ok'));
    const policy = { ...LOCAL, allowedHosts: ['receiver.test'] };
    const previous = net.getDefaultAutoSelectFamily();
    try {
      for (const autoSelect of [true, false]) {
        net.setDefaultAutoSelectFamily(autoSelect); // true: Node asks the lookup for { all: true }
        const lookup = scriptedLookup(['127.0.0.1']);
        const sent = await observe(() => post(`http://receiver.test:${rcv.port}/`, { policy, lookup }));
        expect(expectResponse(sent.result).body).toBe('ok');
        expect(sent.attempts).toBe(1); // the observer the refusals below rely on does see connections
        expect(lookup.calls).toEqual(['receiver.test']);
      }
    } finally {
      net.setDefaultAutoSelectFamily(previous);
    }
    expect(rcv.requests.map((q) => q.headers.host)).toEqual([
      `receiver.test:${rcv.port}`,
      `receiver.test:${rcv.port}`,
    ]);
  });

  test.skipIf(!hasIpv6Loopback)(
    `IPv6 loopback receiver [::1]${hasIpv6Loopback ? '' : ' (skipped: this machine has no IPv6 loopback)'}`,
    async () => {
      const rcv = await receiver((_req, res) => res.end('v6'), '::1');
      const r = expectResponse(await post(`${rcv.origin}/`));
      expect(r.body).toBe('v6');
    },
  );

  let tlsDir: string | undefined;
  afterAll(() => tlsDir && rmSync(tlsDir, { recursive: true, force: true }));
  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  test.skipIf(!hasOpenssl)(
    `an https receiver with an untrusted certificate is tls, and no request reaches it${hasOpenssl ? '' : ' (skipped: no openssl)'}`,
    async () => {
      tlsDir = mkdtempSync(path.join(os.tmpdir(), 'keyhole-tls-'));
      const [key, cert] = [path.join(tlsDir, 'key.pem'), path.join(tlsDir, 'cert.pem')];
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) });
      const rcv = await receiver((_req, res) => res.end('nope'), '127.0.0.1', server);
      expectFailed(await post(`https://127.0.0.1:${rcv.port}/`), 'tls');
      expect(rcv.connections).toBe(1);
      expect(rcv.requests).toHaveLength(0);
    },
  );
});

describe('destinations refused', () => {
  test('loopback, private, link-local and IPv4-mapped literals: refused at subscribe, blocked at send without a socket', async () => {
    const rcv = await receiver((_req, res) => res.end('should never be reached'));
    const p = rcv.port;
    const cases = [
      [`http://127.0.0.1:${p}/hook`, '127.0.0.1'],
      [`http://10.0.0.1:${p}/hook`, '10.0.0.1'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      [`http://[::1]:${p}/hook`, '::1'],
      [`http://[::ffff:127.0.0.1]:${p}/hook`, '::ffff:7f00:1'],
      [`http://0x7f.1:${p}/hook`, '127.0.0.1'], // the URL parser's own IPv4 forms
      [`https://[fe80::1]:${p}/hook`, 'fe80::1'],
    ] as const;
    for (const [url, host] of cases) {
      expect(await checkWebhookUrl(url, STRICT, scriptedLookup(['93.184.216.34']))).toEqual({
        ok: false,
        message: `${host} is not a public address; only public addresses can receive webhooks.`,
      });
      const lookup = scriptedLookup(['93.184.216.34']);
      const sent = await observe(() => post(url, { policy: STRICT, lookup }));
      expect(expectFailed(sent.result, 'blocked').message).toContain(host);
      expect(sent.sockets).toBe(0);
      expect(lookup.calls).toEqual([]);
    }
    expect(rcv.connections).toBe(0);
  });

  test('a host name resolving to a private address (or any one of several): refused at subscribe, blocked at connect', async () => {
    const rcv = await receiver((_req, res) => res.end('should never be reached'));
    const answers = [
      ['10.0.0.5'],
      ['169.254.169.254'],
      ['93.184.216.34', '127.0.0.1'],
      ['::1'],
      ['::ffff:a00:1'],
    ];
    for (const answer of answers) {
      const bad = answer.find((a) => a !== '93.184.216.34')!;
      expect(
        await checkWebhookUrl(
          `https://hooks.example.test:${rcv.port}/x?token=secret`,
          STRICT,
          scriptedLookup(answer),
        ),
      ).toEqual({
        ok: false,
        message: `hooks.example.test resolves to a private address (${bad}); only public addresses can receive webhooks.`,
      });
      const lookup = scriptedLookup(answer);
      const sent = await observe(() =>
        post(`http://hooks.example.test:${rcv.port}/x`, { policy: STRICT, lookup }),
      );
      expect(expectFailed(sent.result, 'blocked').message).toBe(
        `hooks.example.test resolves to a private address (${bad}).`,
      );
      expect(sent.attempts).toBe(0);
      expect(lookup.calls).toEqual(['hooks.example.test']);
    }
    expect(rcv.connections).toBe(0);
  });

  test('DNS rebinding: public at subscribe, 127.0.0.1 at delivery → blocked, never connected', async () => {
    const rcv = await receiver((_req, res) => res.end('should never be reached'));
    const url = `http://rebind.test:${rcv.port}/hook`;
    const lookup = scriptedLookup(['93.184.216.34'], ['127.0.0.1']);
    const subscribed = await checkWebhookUrl(url, STRICT, lookup);
    expect(subscribed.ok).toBe(true);
    const sent = await observe(() => post(url, { policy: STRICT, lookup }));
    expectFailed(sent.result, 'blocked');
    expect(sent.attempts).toBe(0);
    expect(lookup.calls).toEqual(['rebind.test', 'rebind.test']);
    expect(rcv.connections).toBe(0);
  });

  test('allowedHosts: localhost is not 127.0.0.1 (refused at subscribe, blocked at send); 127.0.0.1 is delivered', async () => {
    const rcv = await receiver((_req, res) => res.end('ok'));
    const policy: OutboundPolicy = { allowHttp: true, allowPrivate: true, allowedHosts: ['127.0.0.1'] };
    const lookup = scriptedLookup(['127.0.0.1']);
    expect(await checkWebhookUrl(`http://localhost:${rcv.port}/`, policy, lookup)).toEqual({
      ok: false,
      message: 'localhost is not among the hosts this server delivers webhooks to.',
    });
    const sent = await observe(() => post(`http://LocalHost:${rcv.port}/`, { policy, lookup }));
    expectFailed(sent.result, 'blocked');
    expect(sent.sockets).toBe(0);
    expect(lookup.calls).toEqual([]);
    expect(rcv.connections).toBe(0);
    expect((await checkWebhookUrl(`http://127.0.0.1:${rcv.port}/`, policy)).ok).toBe(true);
    expect(expectResponse(await post(`http://127.0.0.1:${rcv.port}/`, { policy })).status).toBe(200);
  });

  test('http only with allowHttp', async () => {
    const rcv = await receiver((_req, res) => res.end('ok'));
    const httpsOnly: OutboundPolicy = { ...LOCAL, allowHttp: false };
    expect(await checkWebhookUrl(rcv.origin, httpsOnly)).toEqual({
      ok: false,
      message: 'Webhook URLs must use https.',
    });
    const sent = await observe(() => post(rcv.origin, { policy: httpsOnly }));
    expect(expectFailed(sent.result, 'blocked').message).toBe('Webhook URLs must use https.');
    expect(sent.sockets).toBe(0);
    expect(rcv.connections).toBe(0);
    expect((await checkWebhookUrl(rcv.origin, LOCAL)).ok).toBe(true);
  });

  test('URL shapes refused, with messages that name at most the host', () => {
    const any: OutboundPolicy = { allowHttp: false, allowPrivate: false, allowedHosts: null };
    const cases: [string, string][] = [
      [`https://hooks.example.com/${'a'.repeat(2000)}`, 'Webhook URLs must be at most 2000 characters long.'],
      ['not a url', 'That is not a valid URL.'],
      ['https://', 'That is not a valid URL.'],
      ['ftp://hooks.example.com/', 'Webhook URLs must use https.'],
      ['javascript:alert(1)', 'Webhook URLs must use https.'],
      [
        'https://user:secret-password@hooks.example.com/',
        'Webhook URLs must not contain a user name or password.',
      ],
      ['https://user@hooks.example.com/', 'Webhook URLs must not contain a user name or password.'],
      ['https://hooks.example.com/in#secret-fragment', 'Webhook URLs must not contain a fragment (#…).'],
      ['https://hooks.example.com/in#', 'Webhook URLs must not contain a fragment (#…).'],
      ['https://hooks.example.com:0/in', 'Webhook URLs must not use port 0.'],
      ['https://hooks.example.com:65536/in', 'That is not a valid URL.'],
      [
        'https://192.168.1.1/in?token=secret',
        '192.168.1.1 is not a public address; only public addresses can receive webhooks.',
      ],
    ];
    for (const [url, message] of cases)
      expect(checkWebhookUrlShape(url, any)).toEqual({ ok: false, message });
    expect(checkWebhookUrlShape('ftp://x.example.com/', { ...any, allowHttp: true })).toEqual({
      ok: false,
      message: 'Webhook URLs must use https or http.',
    });
    const long = `https://hooks.example.com/${'a'.repeat(2000 - 'https://hooks.example.com/'.length)}`;
    expect(checkWebhookUrlShape(long, any).ok).toBe(true);
    expect(checkWebhookUrlShape('https://HOOKS.Example.com:8443/in?x=1', any)).toMatchObject({ ok: true });
    const allowed = { ...any, allowedHosts: ['hooks.example.com', '2606:4700::1111'] };
    expect(checkWebhookUrlShape('https://Hooks.Example.COM/x', allowed).ok).toBe(true);
    expect(checkWebhookUrlShape('https://[2606:4700::1111]/x', allowed).ok).toBe(true);
    expect(checkWebhookUrlShape('https://other.example.com/x', allowed)).toEqual({
      ok: false,
      message: 'other.example.com is not among the hosts this server delivers webhooks to.',
    });
  });
});

// The blocked ranges, written out again as the test's own oracle.
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const BLOCKED_V6: [string, number][] = [
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
  ['5f00::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
];

const v4ToInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const intToV4 = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
const v4Range = ([net, prefix]: [string, number]) => {
  const first = v4ToInt(net);
  return { first, last: first + 2 ** (32 - prefix) - 1 };
};
const inBlockedV4 = (n: number) => BLOCKED_V4.some((r) => n >= v4Range(r).first && n <= v4Range(r).last);
const hex16 = (n: number) => (n >>> 0).toString(16);
/** The IPv6 spellings that carry an IPv4 address: mapped (dotted, hex, full) and NAT64. */
const carriers = (n: number) => {
  const v4 = intToV4(n);
  const [hi, lo] = [hex16(Math.floor(n / 65536)), hex16(n % 65536)];
  return [
    `::ffff:${v4}`,
    `::FFFF:${hi}:${lo}`,
    `0:0:0:0:0:ffff:${hi}:${lo}`,
    `64:ff9b::${v4}`,
    `64:ff9b::${hi}:${lo}`,
  ];
};

function v6ToBig(ip: string): bigint {
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}
const bigToV6 = (n: bigint) =>
  Array.from({ length: 8 }, (_, i) => ((n >> BigInt(16 * (7 - i))) & 0xffffn).toString(16)).join(':');

describe('isPublicAddress', () => {
  test('range edges: the first and last address of every blocked range are refused, their neighbours outside are not', () => {
    for (const range of BLOCKED_V4) {
      const { first, last } = v4Range(range);
      for (const n of [first, first + 1, last - 1, last]) {
        expect(isPublicAddress(intToV4(n)), intToV4(n)).toBe(false);
        for (const c of carriers(n)) expect(isPublicAddress(c), c).toBe(false);
      }
      for (const n of [first - 1, last + 1]) {
        if (n < 0 || n > 2 ** 32 - 1) continue;
        expect(isPublicAddress(intToV4(n)), intToV4(n)).toBe(!inBlockedV4(n));
      }
    }
    const named: [string, boolean][] = [
      ['172.15.255.255', true],
      ['172.16.0.0', false],
      ['172.31.255.255', false],
      ['172.32.0.0', true],
      ['9.255.255.255', true],
      ['11.0.0.0', true],
      ['100.63.255.255', true],
      ['100.128.0.0', true],
      ['126.255.255.255', true],
      ['128.0.0.0', true],
      ['169.253.255.255', true],
      ['169.255.0.0', true],
      ['192.167.255.255', true],
      ['192.169.0.0', true],
      ['198.17.255.255', true],
      ['198.20.0.0', true],
      ['223.255.255.255', true],
      ['255.255.255.255', false],
      ['::', false],
      ['::1', false],
      ['::ffff:127.0.0.1', false],
      ['::ffff:7f00:1', false],
      ['::127.0.0.1', false], // IPv4-compatible (deprecated)
      ['::8.8.8.8', false],
      ['64:ff9b::10.0.0.1', false],
      ['64:ff9b::808:808', true],
      ['::ffff:8.8.8.8', true],
      ['fc00::', false],
      ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false],
      ['fe80::1', false],
      ['fe80::1%eth0', false],
      ['febf:ffff::1', false],
      ['fec0::1', false], // deprecated site-local, outside 2000::/3
      ['ff02::1', false],
      ['1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false],
      ['2000::1', true],
      ['2001:1ff:ffff::1', false],
      ['2001:200::1', true],
      ['2001:db8::1', false],
      ['2001:4860:4860::8888', true],
      ['2606:4700:4700::1111', true],
      ['2a00:1450:4001::1', true],
      ['3ffe::1', true],
      ['3fff::1', false],
      ['4000::1', false],
      ['', false],
      ['localhost', false],
      ['127.1', false],
      ['1.2.3.4.5', false],
      [' 8.8.8.8', false],
      ['[::1]', false],
    ];
    for (const [ip, expected] of named) expect(isPublicAddress(ip), ip).toBe(expected);
  });

  test('property: every address inside each blocked IPv4 range, and its IPv4-mapped and NAT64 forms, is refused', () => {
    for (const range of BLOCKED_V4) {
      const { first, last } = v4Range(range);
      fc.assert(
        fc.property(fc.integer({ min: first, max: last }), (n) => {
          expect(isPublicAddress(intToV4(n))).toBe(false);
          for (const c of [...carriers(n), `::${intToV4(n)}`, `::ffff:0:${intToV4(n)}`]) {
            expect(isPublicAddress(c)).toBe(false);
          }
        }),
        { numRuns: 200 },
      );
    }
  });

  test('property: every address inside each blocked IPv6 range is refused', () => {
    for (const [net, prefix] of BLOCKED_V6) {
      const first = v6ToBig(net);
      const last = first + (1n << BigInt(128 - prefix)) - 1n;
      fc.assert(
        fc.property(fc.bigInt({ min: first, max: last }), (n) => {
          expect(isPublicAddress(bigToV6(n))).toBe(false);
        }),
        { numRuns: 200 },
      );
    }
  });

  test('property: any IPv4 address is public exactly when it is outside every blocked range, in every spelling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const expected = !inBlockedV4(n);
        expect(isPublicAddress(intToV4(n))).toBe(expected);
        for (const c of carriers(n)) expect(isPublicAddress(c)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  test('known public addresses are public', () => {
    const known = [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.216.34',
      '140.82.112.3',
      '52.95.110.1',
      '2001:4860:4860::8888',
      '2606:4700:4700::1111',
      '2620:fe::fe',
      '::ffff:8.8.8.8',
      '::ffff:808:808',
      '64:ff9b::1.1.1.1',
    ];
    for (const ip of known) expect(isPublicAddress(ip), ip).toBe(true);
  });
});
