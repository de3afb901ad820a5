/**
 * Quoting untrusted input (a config value, a per-request scope, a callback's error) inside an
 * error message: briefly, and without characters that could forge lines or hide text.
 */
import { maxQuotedInputLength } from './constants.js';

// C0 and C1 controls, DEL, the Unicode line and paragraph separators and the bidirectional
// overrides and isolates: each could split a log line or make a message read differently.
const unsafeCharacters = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * Removes control characters, keeping the rest of the text.
 *
 * @param text - Untrusted text.
 * @returns The text with every control character replaced by a space.
 */
export const stripControlCharacters = (text: string): string => text.replace(unsafeCharacters, ' ');

/**
 * Cuts a text to a length, marking the cut with `…`.
 *
 * @param text - Any text.
 * @param maxLength - Characters kept at most, the mark excluded.
 */
export const shorten = (text: string, maxLength: number): string =>
  text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;

/**
 * Quotes a piece of bad input for a message: control characters removed, at most
 * {@link maxQuotedInputLength} characters, in double quotes.
 *
 * @example quoteInput('ML Lab') // '"ML Lab"'
 */
export const quoteInput = (text: string): string =>
  `"${shorten(stripControlCharacters(text), maxQuotedInputLength)}"`;
