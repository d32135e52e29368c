import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** One token as GitHub's secret-scanning partner payload carries it. */
interface ScannerFinding {
  token: string;
  url: string | null;
  source: string | null;
}

export interface SecretScanner {
  /** GitHub's `/meta/public_keys/secret_scanning` JSON with our key: KEYHOLE_SECRET_SCANNING_KEYS_FILE. */
  keysFile: string;
  /** POSTs a signed report to the server's endpoint, as GitHub does; the labels it answers, in order. */
  report(serverUrl: string, findings: ScannerFinding[]): Promise<string[]>;
}

const KEY_IDENTIFIER = 'keyhole-web-test';

/**
 * A stand-in for GitHub's secret scanning: a P-256 key pair made for the run, its public half in a
 * keys file the server loads, reports signed over their exact bytes (ECDSA / SHA-256, DER, base64).
 * The web tests thus make keys leaked through the real endpoint, not by writing to the database.
 */
export function createSecretScanner(dir: string): SecretScanner {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keysFile = path.join(dir, 'secret-scanning-keys.json');
  writeFileSync(
    keysFile,
    JSON.stringify({
      public_keys: [
        {
          key_identifier: KEY_IDENTIFIER,
          key: publicKey.export({ type: 'spki', format: 'pem' }),
          is_current: true,
        },
      ],
    }),
  );
  return {
    keysFile,
    async report(serverUrl, findings) {
      const body = Buffer.from(
        JSON.stringify(
          findings.map((f) => ({ token: f.token, type: 'keyhole_api_key', url: f.url, source: f.source })),
        ),
      );
      const signature = sign('sha256', body, { key: privateKey, dsaEncoding: 'der' }).toString('base64');
      const res = await fetch(`${serverUrl}/secret-scanning/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'github-public-key-identifier': KEY_IDENTIFIER,
          'github-public-key-signature': signature,
        },
        body,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`secret-scanning report answered ${res.status}: ${text}`);
      return (JSON.parse(text) as { label: string }[]).map((a) => a.label);
    },
  };
}
