import type { IncomingMessage } from 'node:http';
import { ConfigError, loadConfig } from '@keyhole/api/internal/env';
import { hashPassword } from '@keyhole/api/internal/lib/password';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestInfo } from '../../src/http/request-info';
import { seedOrg, seedUser } from '../support/seed';
import { createTestApp, startTestServer, type TestApp } from '../support/test-app';
import { outcomeOf, randomIp, Wire } from './wire';

/**
 * SPEC §9 "Proxies" (audit finding 5): `KEYHOLE_TRUST_PROXY` is `false`, a number of trusted hops or
 * a list of trusted proxy CIDRs, and the client IP is the rightmost `X-Forwarded-For` address that is
 * not trusted, so the addresses a client writes itself (the leftmost ones) never choose its counter.
 */

const fakeRequest = (peer: string, headers: Record<string, string>): IncomingMessage =>
  ({ headers, socket: { remoteAddress: peer } }) as unknown as IncomingMessage;

const infoFor = (trust: string, peer: string, headers: Record<string, string>) =>
  requestInfo(fakeRequest(peer, headers), 'r', loadConfig({ KEYHOLE_TRUST_PROXY: trust }).trustProxy);

describe('KEYHOLE_TRUST_PROXY at start-up', () => {
  it('refuses true (and its spellings) with a message naming the accepted forms', () => {
    for (const value of ['true', 'on', 'yes', 'TRUE']) {
      expect(() => loadConfig({ KEYHOLE_TRUST_PROXY: value }), value).toThrow(ConfigError);
      try {
        loadConfig({ KEYHOLE_TRUST_PROXY: value });
      } catch (err) {
        const message = (err as Error).message;
        expect(message).toContain('KEYHOLE_TRUST_PROXY');
        expect(message).toMatch(/false/);
        expect(message).toMatch(/hops/);
        expect(message).toMatch(/CIDR/);
      }
    }
  });

  it('refuses malformed lists and hop counts', () => {
    for (const value of ['-1', '1.5', '10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.0/8,,', 'a/8']) {
      expect(() => loadConfig({ KEYHOLE_TRUST_PROXY: value }), value).toThrow(ConfigError);
    }
  });

  it('accepts false, a hop count and IPv4/IPv6 CIDR lists', () => {
    for (const value of [
      'false',
      '0',
      '1',
      '2',
      '10.0.0.0/8',
      '10.0.0.0/8, 192.168.1.7, fd00::/8, ::1/128',
    ]) {
      expect(() => loadConfig({ KEYHOLE_TRUST_PROXY: value }), value).not.toThrow();
    }
  });
});

describe('the client address and scheme behind proxies', () => {
  it('false: the socket peer, whatever the headers say', () => {
    const info = infoFor('false', '203.0.113.5', {
      'x-forwarded-for': '1.2.3.4',
      'x-forwarded-proto': 'https',
    });
    expect(info.ip).toBe('203.0.113.5');
    expect(info.secure).toBe(false);
  });

  it('1 hop: the rightmost X-Forwarded-For address, never the client-written ones left of it', () => {
    const info = infoFor('1', '127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 7.7.7.7, 198.51.100.9' });
    expect(info.ip).toBe('198.51.100.9');
    // No header: the peer itself (a health check from the proxy).
    expect(infoFor('1', '127.0.0.1', {}).ip).toBe('127.0.0.1');
  });

  it('2 hops: the address the outer proxy saw', () => {
    const info = infoFor('2', '10.0.0.2', { 'x-forwarded-for': '6.6.6.6, 198.51.100.9, 10.0.0.1' });
    expect(info.ip).toBe('198.51.100.9');
    // A chain shorter than the hops: the leftmost address there is.
    expect(infoFor('3', '10.0.0.2', { 'x-forwarded-for': '198.51.100.9' }).ip).toBe('198.51.100.9');
  });

  it('CIDRs: skips trusted addresses from the right, IPv4, IPv6 and IPv4-mapped peers alike', () => {
    const trust = '10.0.0.0/8, fd00::/8';
    expect(infoFor(trust, '10.1.2.3', { 'x-forwarded-for': '6.6.6.6, 198.51.100.9, 10.9.9.9' }).ip).toBe(
      '198.51.100.9',
    );
    expect(infoFor(trust, '::ffff:10.1.2.3', { 'x-forwarded-for': '2001:db8::7, fd00::1' }).ip).toBe(
      '2001:db8::7',
    );
    // An untrusted peer is the client, its X-Forwarded-For a claim like any other.
    expect(infoFor(trust, '198.51.100.1', { 'x-forwarded-for': '10.0.0.1' }).ip).toBe('198.51.100.1');
    // Every address trusted: the leftmost.
    expect(infoFor(trust, '10.0.0.3', { 'x-forwarded-for': '10.0.0.1, 10.0.0.2' }).ip).toBe('10.0.0.1');
  });

  it('reads X-Forwarded-Proto from the hop that gave the client address', () => {
    // The client wrote "https" itself; the trusted proxy appended what it saw, "http".
    expect(
      infoFor('1', '127.0.0.1', { 'x-forwarded-for': '198.51.100.9', 'x-forwarded-proto': 'https, http' })
        .secure,
    ).toBe(false);
    expect(
      infoFor('1', '127.0.0.1', { 'x-forwarded-for': '198.51.100.9', 'x-forwarded-proto': 'https' }).secure,
    ).toBe(true);
    expect(
      infoFor('2', '10.0.0.2', {
        'x-forwarded-for': '198.51.100.9, 10.0.0.1',
        'x-forwarded-proto': 'https, http',
      }).secure,
    ).toBe(true);
    // From an untrusted peer the header is ignored.
    expect(infoFor('10.0.0.0/8', '198.51.100.1', { 'x-forwarded-proto': 'https' }).secure).toBe(false);
  });
});

describe('over HTTP behind one trusted proxy', () => {
  const PASSWORD = 'trust-proxy right password';
  let app: TestApp;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let wire: Wire;
  let email: string;

  beforeAll(async () => {
    app = await createTestApp({ env: { KEYHOLE_TRUST_PROXY: '1' } });
    server = await startTestServer(app);
    wire = new Wire(server.url);
    const org = await seedOrg(app.deps.db);
    email = (await seedUser(app.deps.db, { orgId: org.id, passwordHash: await hashPassword(PASSWORD, 10) }))
      .email;
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it('40 wrong passwords with rotating spoofed leftmost X-Forwarded-For addresses get limited', async () => {
    // What the proxy forwards: whatever the client wrote, then the address it really came from.
    const realClient = randomIp();
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await wire.mutation(
        'auth.signIn',
        { email, password: `wrong guess ${i}` },
        { 'x-forwarded-for': `${randomIp()}, ${randomIp()}, ${realClient}` },
      );
      outcomes.push(outcomeOf(r));
    }
    const limited = outcomes.filter((o) => o === 'TOO_MANY_REQUESTS/rate_limited').length;
    // KEYHOLE_SIGNIN_LIMIT_PER_MINUTE is 10: the first 10 are answered, the 30 others refused.
    expect(outcomes.slice(0, 10)).toEqual(Array(10).fill('UNAUTHORIZED'));
    expect(limited).toBe(30);
    const right = await wire.mutation(
      'auth.signIn',
      { email, password: PASSWORD },
      { 'x-forwarded-for': `${randomIp()}, ${realClient}` },
    );
    expect(outcomeOf(right)).toBe('TOO_MANY_REQUESTS/rate_limited');
    // The owner, from another address, is not locked out.
    expect(outcomeOf(await wire.mutation('auth.signIn', { email, password: PASSWORD }))).toBe('OK');
  });
});
