import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type HttpResult, httpRequest } from '@keyhole/testing/http';
import { uniqueIp } from '@keyhole/testing/ips';

/**
 * A stand-in for GitHub's secret scanning as a partner sees it: ECDSA P-256 key pairs made here, the
 * key list in the JSON GitHub serves at /meta/public_keys/secret_scanning, and reports signed the
 * way GitHub signs them (SHA-256 over the raw body, DER, base64).
 */
interface ScannerKey {
  id: string;
  privateKey: KeyObject;
  publicPem: string;
}

export interface GithubScanner {
  /** The key list file (KEYHOLE_SECRET_SCANNING_KEYS_FILE). */
  file: string;
  /** [current, previous]: both listed, as during a rotation. */
  keys: ScannerKey[];
}

function scannerKey(id: string): ScannerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { id, privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function githubScanner(): GithubScanner {
  const keys = [scannerKey(hexId()), scannerKey(hexId())];
  const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-scanner-'));
  const file = path.join(dir, 'secret_scanning.json');
  writeFileSync(
    file,
    JSON.stringify({
      public_keys: keys.map((k, i) => ({ key_identifier: k.id, key: k.publicPem, is_current: i === 0 })),
    }),
  );
  return { file, keys };
}

const hexId = () => createHash('sha256').update(Math.random().toString()).digest('hex');

export const signBody = (key: KeyObject, body: Uint8Array | string): string =>
  sign('sha256', typeof body === 'string' ? Buffer.from(body) : body, { key, dsaEncoding: 'der' }).toString(
    'base64',
  );

export interface ReportToken {
  token: string;
  type?: string;
  url?: string | null;
  source?: string;
}

export const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export const reportBody = (tokens: ReportToken[]): string =>
  JSON.stringify(
    tokens.map((t) => ({
      token: t.token,
      type: t.type ?? 'keyhole_api_key',
      url: t.url === undefined ? 'https://github.com/acme/app/blob/main/.env' : t.url,
      source: t.source ?? 'content',
    })),
  );

export interface SendOptions {
  /** The key that signs (default: the scanner's current one). */
  signWith?: ScannerKey;
  /** The identifier sent (default: the signing key's). */
  keyId?: string | null;
  /** The signature sent (default: over the body); null sends none. */
  signature?: string | null;
  ip?: string;
  method?: string;
  headers?: Record<string, string>;
}

/** POSTs a raw body to the endpoint, signed as GitHub would unless told otherwise. */
export function sendReport(
  baseUrl: string,
  scanner: GithubScanner,
  body: string | Buffer,
  opts: SendOptions = {},
): Promise<HttpResult> {
  const signer = opts.signWith ?? scanner.keys[0]!;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const keyId = opts.keyId === undefined ? signer.id : opts.keyId;
  const signature = opts.signature === undefined ? signBody(signer.privateKey, bytes) : opts.signature;
  if (keyId !== null) headers['github-public-key-identifier'] = keyId;
  if (signature !== null) headers['github-public-key-signature'] = signature;
  return httpRequest(baseUrl, {
    path: '/secret-scanning/github',
    method: opts.method ?? 'POST',
    ip: opts.ip ?? uniqueIp(),
    headers,
    ...(opts.method === 'GET' ? {} : { body: new Blob([new Uint8Array(bytes)]) }),
  });
}

/** A signed report of these tokens; the answer. */
export const report = (baseUrl: string, scanner: GithubScanner, tokens: ReportToken[], opts?: SendOptions) =>
  sendReport(baseUrl, scanner, reportBody(tokens), opts);
