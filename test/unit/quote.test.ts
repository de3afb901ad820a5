import { describe, expect, it } from 'vitest';

import { quoteInput, stripControlCharacters } from '../../src/quote.js';

describe('quoting bad input', () => {
  it.each([
    ['a short text as it is', 'ML Lab', '"ML Lab"'],
    ['60 characters whole', 'q'.repeat(60), `"${'q'.repeat(60)}"`],
    ['60 characters of 200,000, then a "…"', 'q'.repeat(200_000), `"${'q'.repeat(60)}…"`],
    ['a text with line breaks and a NUL on one line', 'acme\r\nInjected\u0000', '"acme  Injected "'],
  ])('quotes %s', (_case, text, quoted) => {
    expect(quoteInput(text)).toBe(quoted);
  });

  it('replaces C0 and C1 controls, DEL, the line and paragraph separators and the bidirectional overrides and isolates by spaces, and nothing beside them', () => {
    const unsafe = '\u0000\u0009\u001F\u007F\u0080\u009F\u2028\u2029\u202A\u202E\u2066\u2069';
    const neighbours = ' ~\u00A0\u2027\u202F\u2065\u206A';

    expect(stripControlCharacters(`${unsafe}${neighbours}${unsafe}`)).toBe(
      `${' '.repeat(12)}${neighbours}${' '.repeat(12)}`
    );
  });
});
