import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../src/index';

// An oracle independent of the implementation: ES2024's well-formedness test, plus NUL.
const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

describe('isStorableText', () => {
  it.each([
    ['plain ASCII', 'Zapier – CS Team', true],
    ['empty', '', true],
    ['emoji (a surrogate pair)', '🔑 key', true],
    ['CJK and combining marks', '会議 é', true],
    ['U+FFFD itself', '\ufffd', true],
    ['other control characters', '\u0001\u001f\t\n', true],
    ['NUL alone', '\u0000', false],
    ['NUL inside', 'a\u0000b', false],
    ['a lone high surrogate', 'a\ud800b', false],
    ['a lone high surrogate at the end', 'key\udbff', false],
    ['a lone low surrogate', '\udc00x', false],
    ['a reversed pair', '\udc00\ud800', false],
    ['half of an emoji', '🔑'.slice(0, 1), false],
  ])('%s → %s', (_label, s, expected) => {
    expect(isStorableText(s)).toBe(expected);
  });

  it('agrees with "well-formed UTF-16 and no NUL" for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.string({ unit: fc.constantFrom('a', '\u0000', '\ud800', '\udbff', '\udc00', '\udfff') }),
        ),
        (s) => {
          expect(isStorableText(s)).toBe(!s.includes('\u0000') && wellFormed(s));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('has a message that reads after a field name', () => {
    expect(`name ${UNSTORABLE_TEXT_MESSAGE}`).toBe(
      'name must not contain NUL characters or unpaired UTF-16 surrogates',
    );
  });
});
