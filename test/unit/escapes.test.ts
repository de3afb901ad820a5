/**
 * Decoding JSON string escapes (RFC 8259 section 7) and percent-escapes of UTF-8 (RFC 3986
 * section 2.1, RFC 3629 section 4) with the original span of each decoded unit. Every expected
 * text and span is written out by hand.
 */
import { describe, expect, it } from 'vitest';

import { type DecodedText, decodingsOf, originalSpan } from '../../src/escapes.js';

const textsOf = (text: string, maxPasses: number) =>
  Array.from(decodingsOf(text, maxPasses), (decoded) => decoded.text).sort();

/** The decoding of `text` that reads `target`. */
const decodingTo = (text: string, target: string): DecodedText => {
  const found = Array.from(decodingsOf(text, 3)).find((decoded) => decoded.text === target);
  if (!found) {
    throw new Error(`no decoding of ${text} gives ${target}`);
  }
  return found;
};

describe('the decodings of a text', () => {
  it('are the text alone when it holds no escape', () => {
    expect(textsOf('plain text, 100% sure \\ of it', 3)).toEqual(['plain text, 100% sure \\ of it']);
  });

  it('undo JSON escapes and percent-escapes in either order', () => {
    expect(textsOf(String.raw`a\u0041%42`, 3)).toEqual(
      [String.raw`a\u0041%42`, 'aA%42', String.raw`a\u0041B`, 'aAB', 'aAB'].sort()
    );
  });

  it('undo each escape once per pass, and no more passes than asked', () => {
    expect(textsOf('%252541', 3)).toEqual(['%252541', '%2541', '%41', 'A'].sort());
    expect(textsOf('%252541', 1)).toEqual(['%252541', '%2541'].sort());
    expect(textsOf(String.raw`\\u0041`, 2)).toEqual([String.raw`\\u0041`, String.raw`\u0041`, 'A'].sort());
  });

  it('undo every JSON escape, in either hex case, and surrogate pairs written as two escapes', () => {
    expect(textsOf(String.raw`\"\\\/\b\f\n\r\t\u00fC\uD83D\ude00`, 1)).toEqual(
      [String.raw`\"\\\/\b\f\n\r\t\u00fC\uD83D\ude00`, '"\\/\b\f\n\r\tü😀'].sort()
    );
  });

  it('undo percent-escapes of one to four UTF-8 bytes, in either hex case', () => {
    expect(textsOf('%41%c3%BC%e2%82%aC%F0%9f%98%80', 1)).toEqual(
      ['%41%c3%BC%e2%82%aC%F0%9f%98%80', 'Aü€😀'].sort()
    );
  });

  it('keep as written what is not a well-formed escape', () => {
    // Unknown letter, short and bad hex; a lone lead, two leads, a continuation without its "%", a
    // lead for its third byte; an overlong form, a surrogate, above U+10FFFF, an overlong "/"; a bare
    // "%" and "\" at the end. "@" and "`" sit just below "A" and "a" (RFC 3986 HEXDIG and RFC 8259
    // hex digits are 0-9, A-F, a-f only).
    const text = String.raw`\x0041 \u12 \u12G4 \u004@ %zz %4@ %4${'`'} %C3 %C3%C3 %C3xBC %E2%82%C3 %E0%80%80 %ED%A0%80 %F4%90%80%80 %C0%AF %4 % \ `;

    expect(textsOf(`${text}\\`, 3)).toEqual([`${text}\\`]);
  });

  it('undo escapes in a long text, whatever its length', () => {
    // Long enough that the decoded text is built from several pieces.
    const long = 'x'.repeat(20_000);

    expect(textsOf(`%41${long}%42`, 1)).toEqual([`%41${long}%42`, `A${long}B`].sort());
  });
});

describe('the original span of decoded units', () => {
  it('is the unit itself in the original text', () => {
    expect(originalSpan({ text: 'abcdef' }, 2, 5)).toEqual([2, 5]);
  });

  it('covers the escapes a run was decoded from, a surrogate pair taking its escape whole', () => {
    // x, A from \u0041 (1-7), 😀 from %F0%9F%98%80 (7-19) as two units, y (19-20).
    const decoded = decodingTo(String.raw`x\u0041%F0%9F%98%80y`, 'xA😀y');

    expect(originalSpan(decoded, 0, 1)).toEqual([0, 1]);
    expect(originalSpan(decoded, 1, 2)).toEqual([1, 7]);
    expect(originalSpan(decoded, 1, 4)).toEqual([1, 19]);
    expect(originalSpan(decoded, 3, 5)).toEqual([7, 20]);
  });

  it('goes back through every pass to the original text', () => {
    // %5C%75%30%30%34%31 is "\u0041" percent-encoded: "A" comes from all 18 characters.
    const decoded = decodingTo('<%5C%75%30%30%34%31>', '<A>');

    expect(originalSpan(decoded, 1, 2)).toEqual([1, 19]);
    expect(originalSpan(decoded, 2, 3)).toEqual([19, 20]);
  });
});
