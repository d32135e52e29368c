import { readFileSync } from 'node:fs';
import {
  crc32,
  findKeyholeSecrets,
  generateKey,
  isSecretChecksumValid,
  KEY_STRING_TOKEN_PATTERN,
  SECRET_TOKEN_PATTERN,
  secretFromBytes,
  toBase62,
} from '@keyhole/core';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';

/**
 * docs/SECURITY.md publishes the token patterns and a gitleaks rule for secret scanners (SPEC §12).
 * This reads them from the document itself, so the document and the code cannot drift, and runs the
 * gitleaks rule's regular expressions with RE2's syntax and semantics (re2js; gitleaks is Go, whose
 * regexp is RE2: no look-around) the way gitleaks does, over a file of minted keys and look-alikes.
 */
const SECURITY = readFileSync(new URL('../../../../docs/SECURITY.md', import.meta.url), 'utf8');

function gitleaksRules(): Map<string, string> {
  const toml = SECURITY.match(/```toml\n([\s\S]*?)```/)?.[1];
  expect(toml, 'docs/SECURITY.md holds a ```toml gitleaks rule block').toBeDefined();
  const rules = new Map<string, string>();
  for (const block of toml!.split('[[rules]]').slice(1)) {
    const id = block.match(/^id = "([^"]+)"$/m)?.[1];
    // TOML literal strings ('''…''') take no escapes: the text between the quotes is the regex.
    const regex = block.match(/^regex = '''(.*)'''$/m)?.[1];
    const keywords = block.match(/^keywords = \[(.*)\]$/m)?.[1];
    expect(id && regex && keywords, block).toBeTruthy();
    expect(keywords).toBe('"khs_"');
    rules.set(id!, regex!);
  }
  return rules;
}

/** Every match of an RE2 pattern, leftmost first, non-overlapping: what gitleaks reports. */
function re2Matches(pattern: string, text: string): string[] {
  const matcher = RE2JS.compile(pattern).matcher(text);
  const found: string[] = [];
  while (matcher.find()) found.push(matcher.group()!);
  return found;
}

/** The secret with one checksum character changed: a look-alike whose checksum fails. */
function withBadChecksum(secret: string): string {
  const i = secret.length - 1 - Math.floor(Math.random() * 6);
  const c = secret[i]!;
  return secret.slice(0, i) + (c === 'Z' ? 'Y' : 'Z') + secret.slice(i + 1);
}

/** Like it, but one character of the random body changed (the checksum no longer covers it). */
function withBadBody(secret: string): string {
  const i = 4 + Math.floor(Math.random() * 43);
  const c = secret[i]!;
  return secret.slice(0, i) + (c === 'q' ? 'r' : 'q') + secret.slice(i + 1);
}

describe('the patterns docs/SECURITY.md publishes', () => {
  it('lists the look-around patterns exactly as core defines them', () => {
    expect(SECURITY).toContain(`secret:     ${SECRET_TOKEN_PATTERN}\n`);
    expect(SECURITY).toContain(`key string: ${KEY_STRING_TOKEN_PATTERN}\n`);
    // RE2 (gitleaks, Go) refuses look-behind: that is why the gitleaks rule needs its own form.
    expect(() => RE2JS.compile(SECRET_TOKEN_PATTERN)).toThrow();
  });

  it('the gitleaks rules find every minted key in a file, and every look-alike they find fails the checksum', () => {
    const rules = gitleaksRules();
    expect([...rules.keys()]).toEqual(['keyhole-api-key', 'keyhole-api-secret']);
    const keyRule = rules.get('keyhole-api-key')!;
    const secretRule = rules.get('keyhole-api-secret')!;

    const minted = Array.from({ length: 60 }, () => generateKey());
    const lookAlikes = minted
      .slice(0, 40)
      .map((k, i) => (i % 2 ? withBadChecksum(k.secret) : withBadBody(k.secret)));
    for (const s of lookAlikes) expect(isSecretChecksumValid(s), s).toBe(false);
    const lines: string[] = [];
    minted.forEach((k, i) => {
      // The places keys end up: env files, JSON, shell, YAML, URLs, code; whole strings and secrets alone.
      const forms = [
        `KEYHOLE_API_KEY=${k.keyString}`,
        `{"apiKey": "${k.keyString}", "n": ${i}}`,
        `curl -H "Authorization: Bearer ${k.keyString}" https://keyhole.example/trpc/whoami`,
        `secret: ${k.secret}`,
        `const client = createKeyholeClient({ key: '${k.clientKey}:' + "${k.secret}" });`,
        `https://hooks.example/x?token=${k.secret}&y=1`,
      ];
      lines.push(forms[i % forms.length]!);
    });
    lookAlikes.forEach((s, i) => {
      lines.push(i % 2 ? `TOKEN=${s}` : `kh_${'A'.repeat(22)}:${s}`);
    });
    // Not tokens at all: glued to other word characters, or one character short.
    const glued = [generateKey(), generateKey(), generateKey()];
    const notTokens = [
      `x${glued[0]!.secret}`,
      `${glued[1]!.secret}0`,
      `_${glued[2]!.keyString}`,
      glued[0]!.secret.slice(0, -1),
    ];
    lines.push(...notTokens);
    const file = lines.join('\n');

    const foundKeys = re2Matches(keyRule, file);
    const foundSecrets = re2Matches(secretRule, file);
    // Every minted key string written whole is found by the key rule.
    for (const k of minted.filter((_, i) => i % 6 < 3)) expect(foundKeys).toContain(k.keyString);
    // Every minted secret, alone or in its key string, is found by the secret rule.
    for (const k of minted) expect(foundSecrets).toContain(k.secret);
    // Every look-alike is found by the pattern, and refused by the checksum rule.
    for (const s of lookAlikes) expect(foundSecrets).toContain(s);
    const accepted = foundSecrets.filter(isSecretChecksumValid);
    // The key string glued to `_` is no key-string token, but its secret after the `:` still stands alone.
    expect(new Set(accepted)).toEqual(new Set([...minted.map((k) => k.secret), glued[2]!.secret]));
    expect(foundSecrets.filter((s) => !isSecretChecksumValid(s)).sort()).toEqual([...lookAlikes].sort());
    // Glued to a word character, a key is not a token (no false matches inside longer strings).
    for (const k of glued.slice(0, 2)) {
      expect(foundSecrets.some((s) => s.startsWith(k.secret.slice(0, 20)))).toBe(false);
    }
    expect(foundKeys).not.toContain(glued[2]!.keyString);

    // The RE2 rule and core's look-around pattern agree on every match of the file.
    expect(foundSecrets).toEqual([...file.matchAll(new RegExp(SECRET_TOKEN_PATTERN, 'g'))].map((m) => m[0]));
    expect(foundKeys).toEqual([...file.matchAll(new RegExp(KEY_STRING_TOKEN_PATTERN, 'g'))].map((m) => m[0]));
    // And what the server would accept as a key in a URL is exactly what the checksum accepts.
    expect(new Set(findKeyholeSecrets(file))).toEqual(new Set(accepted));
  });

  it('the worked checksum example is what the code computes', () => {
    const example = SECURITY.match(
      /the\s+secret `(khs_\w+)` has the head\s+`(khs_\w+)`, whose CRC-32 is `0x([0-9a-f]{8})`, which is `(\w{6})` in\s+base62/,
    );
    expect(example, 'docs/SECURITY.md holds the worked example').not.toBeNull();
    const [, secret, head, crcHex, checksum] = example as unknown as [string, string, string, string, string];
    expect(secret).toBe(head + checksum);
    // The example's secret is the one minted from the bytes 0, 1, …, 31.
    expect(secretFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(secret);
    const crc = crc32(new TextEncoder().encode(head));
    expect(crc.toString(16).padStart(8, '0')).toBe(crcHex);
    expect(
      toBase62(new Uint8Array([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]), 6),
    ).toBe(checksum);
    expect(isSecretChecksumValid(secret)).toBe(true);
  });
});
