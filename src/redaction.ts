/**
 * Removing secrets from texts before they reach an error: one {@link Redactor} per sign-in and
 * per refresh, told every secret the connector sends or receives, and through which every error
 * of that call passes.
 *
 * A server or proxy may echo a secret escaped in any way, so a text is searched in each of its
 * decodings (see {@link decodingsOf}: up to three layers of JSON string escapes and
 * percent-escapes undone, in any order), and each match is replaced where it stands in the
 * original text. Each secret is searched for as is, in base64 and in base64url; the HTTP Basic
 * credentials are given to the redactor as a secret of their own.
 */
import { ConnectorError } from '@logto/connector-kit';

import { type DecodedText, decodingsOf, originalSpan } from './escapes.js';

const redactedMark = '[redacted]';

/**
 * Escaping layers undone before searching: enough for a form body echoed in a JSON string that
 * is itself quoted in JSON.
 */
const maxEscapingLayers = 3;

/**
 * A secret shorter than this (in UTF-16 units) is removed only where it is not part of a longer
 * word, so that a value a caller made up (a code `o`) cannot garble every message. None of the
 * connector's own secrets is this short: client secrets under 16 characters are refused.
 */
const shortSecretLength = 8;

/** Anything shaped like a Hugging Face token (`hf_…`), removed even when its value is unknown. */
const hfTokenPattern = /hf_[\w-]{6,}/g;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The text with `+` as a space (form encoding writes a space so) and a lone surrogate as U+FFFD
 * (it travels so in UTF-8): texts equal here are taken as the same. Keeps every index.
 */
const comparable = (text: string) => text.replaceAll('+', ' ').replace(loneSurrogate, '\uFFFD');

/** The secret and its base64 and base64url forms, with and without padding. */
const formsOf = (secret: string): string[] => {
  const bytes = Buffer.from(secret, 'utf8');
  const base64 = bytes.toString('base64');
  const base64url = bytes.toString('base64url');
  const padding = base64.slice(base64url.length);
  return [secret, base64, base64.slice(0, base64url.length), base64url, base64url + padding];
};

const isWordCharacter = (text: string, index: number) => /[\dA-Za-z]/.test(text.charAt(index));

/** A span `[start, end)` of the original text that holds a secret. */
type Span = [number, number];

/**
 * Adds the span of each occurrence of a form in one decoding of the text, left to right and not
 * overlapping; a short secret's form only where no letter or digit touches it.
 */
const findForm = (
  decoded: DecodedText,
  comparableText: string,
  form: string,
  wholeWord: boolean,
  spans: Span[]
) => {
  let index = comparableText.indexOf(form);
  while (index >= 0) {
    const end = index + form.length;
    const inWord =
      wholeWord && (isWordCharacter(comparableText, index - 1) || isWordCharacter(comparableText, end));
    if (inWord) {
      index = comparableText.indexOf(form, index + 1);
    } else {
      spans.push(originalSpan(decoded, index, end));
      index = comparableText.indexOf(form, end);
    }
  }
};

/** The text with each span (overlapping ones joined) replaced by the mark. */
const replaceSpans = (text: string, spans: Span[]): string => {
  const parts: string[] = [];
  let copiedUpTo = 0;
  for (const [start, end] of spans.sort(([a], [b]) => a - b)) {
    if (start >= copiedUpTo) {
      parts.push(text.slice(copiedUpTo, start), redactedMark);
      copiedUpTo = end;
    } else if (end > copiedUpTo) {
      copiedUpTo = end;
    }
  }
  parts.push(text.slice(copiedUpTo));
  return parts.join('');
};

/** Removes the secrets of one connector call from texts and errors. */
export type Redactor = {
  /** Adds secrets (with their base64 forms); `undefined` and empty values are ignored. */
  hide: (...secrets: Array<string | undefined>) => void;
  /**
   * The text without any known secret and without anything shaped like a Hugging Face token,
   * escaped or not: each is replaced by `[redacted]`, the text around it kept as written.
   */
  redact: (text: string) => string;
  /**
   * The same error with every text of its data redacted. Its `cause` (the original failure, for
   * a stack) stays non-enumerable, with its message and stack redacted too.
   */
  redactError: (error: ConnectorError) => ConnectorError;
};

/**
 * Creates the redactor of one sign-in or one refresh.
 *
 * @param secrets - The secrets known from the start (the client secret, the Basic credentials).
 */
export const createRedactor = (...secrets: Array<string | undefined>): Redactor => {
  const hidden = new Set<string>();
  // Each form as compared, and whether it is removed only as a word of its own; made when a text
  // is first redacted after a `hide`, since most calls end without redacting anything.
  let forms: Map<string, boolean> | undefined;
  const formsToFind = (): Map<string, boolean> => {
    if (forms) {
      return forms;
    }
    const made = new Map<string, boolean>();
    for (const value of hidden) {
      const short = value.length < shortSecretLength;
      for (const form of formsOf(value)) {
        const key = comparable(form);
        made.set(key, short && made.get(key) !== false);
      }
    }
    forms = made;
    return made;
  };

  const hide = (...values: Array<string | undefined>) => {
    for (const value of values) {
      if (value && !hidden.has(value)) {
        hidden.add(value);
        forms = undefined;
      }
    }
  };

  const redact = (text: string) => {
    const spans: Span[] = [];
    for (const decoded of decodingsOf(text, maxEscapingLayers)) {
      const comparableText = comparable(decoded.text);
      for (const [form, wholeWord] of formsToFind()) {
        findForm(decoded, comparableText, form, wholeWord, spans);
      }
      for (const match of comparableText.matchAll(hfTokenPattern)) {
        spans.push(originalSpan(decoded, match.index, match.index + match[0].length));
      }
    }
    return replaceSpans(text, spans);
  };

  const redactValue = (value: unknown): unknown =>
    typeof value === 'string' ? redact(value) : value;

  const redactError = (error: ConnectorError) => {
    const { data } = error;
    const redacted =
      data && typeof data === 'object' && !Array.isArray(data)
        ? Object.fromEntries(
            Object.entries(data as Record<string, unknown>).map(([key, value]) => [
              key,
              redactValue(value),
            ])
          )
        : redactValue(data);
    const result = new ConnectorError(error.code, redacted);
    const { cause } = error;
    if (cause instanceof Error) {
      const copy = new Error(redact(cause.message));
      copy.name = cause.name;
      copy.stack = redact(String(cause.stack));
      Object.defineProperty(result, 'cause', { value: copy, enumerable: false });
    }
    return result;
  };

  hide(...secrets);
  return { hide, redact, redactError };
};
