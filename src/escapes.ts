/**
 * Undoing the escapes a server may wrap a text in (JSON string escapes, percent-encoding), while
 * remembering where each decoded character came from, so that a match in a decoded text can be
 * replaced in the original one.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-7
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-2.1
 */

/**
 * A text obtained by decoding an original text: each UTF-16 unit of `text` came from the
 * original span `[starts[i], ends[i])`. The spans follow one another and cover the original
 * (the two units of a character decoded from four percent-escaped bytes share one span).
 */
export type DecodedText = {
  readonly text: string;
  /** Absent while `text` is the original itself: unit `i` then came from `[i, i + 1)`. */
  readonly starts?: Int32Array;
  readonly ends?: Int32Array;
};

/**
 * The original span a run of decoded units came from.
 *
 * @param decoded - A decoded text.
 * @param from - Index of the run's first unit in `decoded.text`.
 * @param to - Index just past the run's last unit (greater than `from`).
 * @returns `[start, end)` in the original text.
 */
export const originalSpan = (decoded: DecodedText, from: number, to: number): [number, number] => [
  decoded.starts?.[from] ?? from,
  decoded.ends?.[to - 1] ?? to,
];

/** An escape read at some index: how many units it takes and the code point it stands for. */
type Escape = { length: number; codePoint: number };

/** The value of the hex digit at `index`, or -1. */
const hexDigitAt = (text: string, index: number): number => {
  const code = text.charCodeAt(index);
  if (code >= 0x30 && code <= 0x39) {
    return code - 0x30;
  }
  // Upper and lower case alike: setting the 0x20 bit lower-cases a letter.
  const letter = code | 0x20;
  return letter >= 0x61 && letter <= 0x66 ? letter - 0x57 : -1;
};

/** The number written by `digits` hex digits at `index`, or -1. */
const readHex = (text: string, index: number, digits: number): number => {
  let value = 0;
  for (let digit = 0; digit < digits; digit++) {
    const nibble = hexDigitAt(text, index + digit);
    if (nibble < 0) {
      return -1;
    }
    value = value * 16 + nibble;
  }
  return value;
};

/** What a JSON two-character escape stands for, by its second character. */
const jsonShortEscapes: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** A JSON string escape at `index` (where a `\` is): `\/`, `\n`, `\u00fc`, any hex case. */
const readJsonEscape = (text: string, index: number): Escape | undefined => {
  const letter = text.charAt(index + 1);
  const short = jsonShortEscapes[letter];
  if (short !== undefined) {
    return { length: 2, codePoint: short.charCodeAt(0) };
  }
  // Each `\uXXXX` is one UTF-16 unit (a lone surrogate as a code point of its own): a surrogate
  // pair is two escapes, or one escape and one unit.
  const unit = letter === 'u' ? readHex(text, index + 2, 4) : -1;
  return unit < 0 ? undefined : { length: 6, codePoint: unit };
};

/** A percent-escaped byte at `index`, or -1. */
const readPercentByte = (text: string, index: number): number =>
  text.charCodeAt(index) === 0x25 ? readHex(text, index + 1, 2) : -1;

/**
 * The well-formed UTF-8 sequences (RFC 3629 section 4): for each lead byte range, how many
 * continuation bytes follow and the range of the first of them.
 */
const utf8Leads: ReadonlyArray<readonly [number, number, number, number, number]> = [
  // [lead from, lead to, continuation bytes, first continuation from, to]
  [0x00, 0x7f, 0, 0, 0],
  [0xc2, 0xdf, 1, 0x80, 0xbf],
  [0xe0, 0xe0, 2, 0xa0, 0xbf],
  [0xe1, 0xec, 2, 0x80, 0xbf],
  [0xed, 0xed, 2, 0x80, 0x9f],
  [0xee, 0xef, 2, 0x80, 0xbf],
  [0xf0, 0xf0, 3, 0x90, 0xbf],
  [0xf1, 0xf3, 3, 0x80, 0xbf],
  [0xf4, 0xf4, 3, 0x80, 0x8f],
];

/**
 * One character percent-encoded as UTF-8 at `index` (where a `%` is), any hex case. Bytes that
 * are not one well-formed character stay as they are.
 */
const readPercentEscape = (text: string, index: number): Escape | undefined => {
  const lead = readPercentByte(text, index);
  const form = utf8Leads.find(([from, to]) => lead >= from && lead <= to);
  if (!form) {
    return undefined;
  }
  const [, , continuations, firstFrom, firstTo] = form;
  let codePoint = continuations === 0 ? lead : lead & (0x3f >> continuations);
  for (let position = 1; position <= continuations; position++) {
    const byte = readPercentByte(text, index + 3 * position);
    const [from, to] = position === 1 ? [firstFrom, firstTo] : [0x80, 0xbf];
    if (byte < from || byte > to) {
      return undefined;
    }
    codePoint = (codePoint << 6) | (byte & 0x3f);
  }
  return { length: 3 * (continuations + 1), codePoint };
};

/** The units as a string, in slices small enough for `String.fromCharCode`'s argument list. */
const textOfUnits = (units: Uint16Array): string => {
  const slices: string[] = [];
  for (let from = 0; from < units.length; from += 8192) {
    slices.push(String.fromCharCode(...units.subarray(from, from + 8192)));
  }
  return slices.join('');
};

/**
 * Decodes every escape of one kind in one pass, left to right, each escape once (`%2541` gives
 * `%41`, not `A`).
 *
 * @returns The decoded text, or `decoded` itself when it holds no such escape.
 */
const decodePass = (
  decoded: DecodedText,
  mark: string,
  readEscape: (text: string, index: number) => Escape | undefined
): DecodedText => {
  const { text } = decoded;
  let index = text.indexOf(mark);
  if (index < 0) {
    return decoded;
  }
  const units = new Uint16Array(text.length);
  const starts = new Int32Array(text.length);
  const ends = new Int32Array(text.length);
  let length = 0;
  let copiedUpTo = 0;
  const copy = (to: number) => {
    for (let unit = copiedUpTo; unit < to; unit++, length++) {
      units[length] = text.charCodeAt(unit);
      starts[length] = decoded.starts?.[unit] ?? unit;
      ends[length] = decoded.ends?.[unit] ?? unit + 1;
    }
  };
  while (index >= 0) {
    const escape = readEscape(text, index);
    if (escape) {
      copy(index);
      const [start, end] = originalSpan(decoded, index, index + escape.length);
      // A code point above the BMP becomes a surrogate pair, both units from the same span.
      const value = String.fromCodePoint(escape.codePoint);
      for (let unit = 0; unit < value.length; unit++, length++) {
        units[length] = value.charCodeAt(unit);
        starts[length] = start;
        ends[length] = end;
      }
      copiedUpTo = index + escape.length;
    }
    index = text.indexOf(mark, escape ? copiedUpTo : index + 1);
  }
  if (copiedUpTo === 0) {
    return decoded;
  }
  copy(text.length);
  return {
    text: textOfUnits(units.subarray(0, length)),
    starts: starts.subarray(0, length),
    ends: ends.subarray(0, length),
  };
};

/** Decodes the JSON string escapes of a text, as `JSON.parse` does inside a string. */
const decodeJsonEscapes = (decoded: DecodedText) => decodePass(decoded, '\\', readJsonEscape);

/** Decodes the percent-escapes of a text that form UTF-8 characters. */
const decodePercentEscapes = (decoded: DecodedText) => decodePass(decoded, '%', readPercentEscape);

/** The decoded text, then each text further passes make of it, one branch at a time. */
function* decodingsFrom(decoded: DecodedText, passesLeft: number): Generator<DecodedText> {
  yield decoded;
  if (passesLeft > 0) {
    // Each further text is made only once the branch before it is done, so that at most one
    // text per pass is held at a time.
    for (const decode of [decodeJsonEscapes, decodePercentEscapes]) {
      const further = decode(decoded);
      if (further !== decoded) {
        yield* decodingsFrom(further, passesLeft - 1);
      }
    }
  }
}

/**
 * The text and every text obtained from it by up to `maxPasses` decoding passes, each pass
 * undoing either every JSON string escape or every percent-escape, in any order: so a text
 * percent-encoded, then JSON-escaped (or the other way round, or twice the same) is decoded too.
 * A pass that changes nothing is not followed further; at most `2^(maxPasses+1) - 1` texts.
 *
 * @param text - The original text.
 * @param maxPasses - How many escaping layers to undo at most.
 */
export const decodingsOf = (text: string, maxPasses: number): Generator<DecodedText> =>
  decodingsFrom({ text }, maxPasses);
