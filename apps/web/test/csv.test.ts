import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../src/lib/csv';

describe('CSV', () => {
  it('leaves plain fields alone and quotes those with a comma, quote, CR or LF, doubling quotes', () => {
    expect(csvField('Key created')).toBe('Key created');
    expect(csvField('')).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('naïve – ünïcode')).toBe('naïve – ünïcode');
  });

  it('defuses what a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://evil.test")')).toBe(`"'=HYPERLINK(""http://evil.test"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('a=b')).toBe('a=b');
  });

  it('joins fields with commas and ends every line with CRLF', () => {
    expect(
      toCsv([
        ['When', 'Action'],
        ['2026-01-01T00:00:00.000Z', 'a "b", c'],
      ]),
    ).toBe('When,Action\r\n2026-01-01T00:00:00.000Z,"a ""b"", c"\r\n');
  });

  it('round-trips through a strict parser', () => {
    const rows = [
      ['x', 'y,z', '"q"', 'multi\r\nline'],
      ['', ' spaced ', 'ü', 'end'],
    ];
    expect(parseCsv(toCsv(rows))).toEqual(rows);
  });
});

/** A small RFC 4180 reader, as a spreadsheet would read the export. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      field += c;
      i++;
    }
  }
  return rows;
}
