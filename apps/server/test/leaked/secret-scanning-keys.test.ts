import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '@keyhole/api/internal/app';
import { loadConfig } from '@keyhole/api/internal/env';
import {
  checkReportSignature,
  loadSecretScanningKeys,
  SecretScanningKeysError,
} from '@keyhole/api/internal/lib/secret-scanning-keys';
import { describe, expect, it } from 'vitest';
import { githubScanner, signBody } from './github-scanner';

/** The key list is read at start-up: one that cannot serve stops the start, naming the file. */
const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-keys-'));
const fileWith = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const pem = (type: 'rsa' | 'ed25519' | 'ec', curve?: string) =>
  (type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: curve ?? 'prime256v1' })
  ).publicKey
    .export({ type: 'spki', format: 'pem' })
    .toString();

describe('KEYHOLE_SECRET_SCANNING_KEYS_FILE', () => {
  it('refuses, with the file named, what is not a list of ECDSA P-256 keys in GitHub format', () => {
    const cases: [string, string, RegExp][] = [
      ['missing.json', '', /cannot be read/],
      ['not-json.json', '{', /not JSON/],
      ['empty.json', '{"public_keys":[]}', /missing or empty/],
      ['no-id.json', JSON.stringify({ public_keys: [{ key: pem('ec') }] }), /key_identifier/],
      ['not-pem.json', JSON.stringify({ public_keys: [{ key_identifier: 'a', key: 'x' }] }), /not a PEM/],
      ['rsa.json', JSON.stringify({ public_keys: [{ key_identifier: 'a', key: pem('rsa') }] }), /P-256/],
      ['ed.json', JSON.stringify({ public_keys: [{ key_identifier: 'a', key: pem('ed25519') }] }), /P-256/],
      [
        'p384.json',
        JSON.stringify({ public_keys: [{ key_identifier: 'a', key: pem('ec', 'secp384r1') }] }),
        /P-256/,
      ],
    ];
    for (const [name, text, why] of cases) {
      const file = name === 'missing.json' ? path.join(dir, name) : fileWith(name, text);
      expect(() => loadSecretScanningKeys(file), name).toThrow(SecretScanningKeysError);
      expect(() => loadSecretScanningKeys(file), name).toThrow(why);
      expect(() => loadSecretScanningKeys(file), name).toThrow(file);
    }
  });

  it('stops createApp before anything opens', async () => {
    const file = path.join(dir, 'absent.json');
    const config = loadConfig({ NODE_ENV: 'test', KEYHOLE_SECRET_SCANNING_KEYS_FILE: file });
    expect(config.secretScanning.keysFile).toBe(file);
    await expect(createApp(config)).rejects.toThrow(
      `KEYHOLE_SECRET_SCANNING_KEYS_FILE ${file} cannot be read`,
    );
  });

  it('checks a signature with the key the identifier names, over the exact bytes', () => {
    const scanner = githubScanner();
    const keys = loadSecretScanningKeys(scanner.file);
    expect([...keys.keys.keys()]).toEqual(scanner.keys.map((k) => k.id));
    const body = Buffer.from('[{"token":"x","type":"t","url":null,"source":"content"}]');
    const [current, previous] = scanner.keys as [(typeof scanner.keys)[0], (typeof scanner.keys)[0]];
    expect(checkReportSignature(keys, current.id, signBody(current.privateKey, body), body)).toBe('valid');
    expect(checkReportSignature(keys, previous.id, signBody(previous.privateKey, body), body)).toBe('valid');
    expect(checkReportSignature(keys, current.id, signBody(previous.privateKey, body), body)).toBe('invalid');
    expect(
      checkReportSignature(
        keys,
        current.id,
        signBody(current.privateKey, body),
        Buffer.concat([body, Buffer.from(' ')]),
      ),
    ).toBe('invalid');
    expect(checkReportSignature(keys, 'nope', signBody(current.privateKey, body), body)).toBe('unknown_key');
    expect(checkReportSignature(keys, undefined, 'x', body)).toBe('missing');
    expect(checkReportSignature(keys, current.id, undefined, body)).toBe('missing');
    expect(checkReportSignature(keys, current.id, '%%%', body)).toBe('invalid');
  });
});
