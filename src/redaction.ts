/**
 * Removing secrets from texts before they reach an error: one {@link Redactor} per sign-in and
 * per refresh, told every secret the connector sends or receives, and through which every error
 * of that call passes.
 *
 * A server or proxy may echo a secret in the form it travelled in, so each secret is removed in
 * every encoding the connector uses: as is, percent-encoded (URL and form), JSON-escaped and
 * base64; the HTTP Basic credentials are given to the redactor as a secret of their own.
 */
import { ConnectorError } from '@logto/connector-kit';

const redactedMark = '[redacted]';

/** Anything shaped like a Hugging Face token (`hf_…`), removed even when its value is unknown. */
const hfTokenPattern = /hf_[\w-]{6,}/g;

const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

/** JSON string content as an ASCII-only writer escapes it (`ü` as `\u00fc`). */
const asciiJsonEscape = (value: string) =>
  JSON.stringify(value)
    .slice(1, -1)
    .replace(/[^\u0020-\u007E]/g, (character) =>
      `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
    );

const lowerCasePercentEscapes = (value: string) =>
  value.replace(/%[\dA-F]{2}/g, (escape) => escape.toLowerCase());

/**
 * Every form in which a secret may come back: as is, URL- and form-encoded (with upper- and
 * lower-case escapes), JSON-escaped (also ASCII-only), base64 and base64url.
 *
 * @param secret - A value the connector sent or received.
 */
export const encodingsOf = (secret: string): string[] => {
  const bytes = Buffer.from(secret, 'utf8');
  // As sent: a lone surrogate travels as U+FFFD (and would make encodeURIComponent throw).
  const wellFormed = bytes.toString('utf8');
  const percent = [encodeURIComponent(wellFormed), formEncode(wellFormed)];
  return [
    secret,
    wellFormed,
    ...percent,
    ...percent.map(lowerCasePercentEscapes),
    JSON.stringify(secret).slice(1, -1),
    asciiJsonEscape(secret),
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
  ];
};

/** Removes the secrets of one connector call from texts and errors. */
export type Redactor = {
  /** Adds secrets (in every encoding); `undefined` and empty values are ignored. */
  hide: (...secrets: Array<string | undefined>) => void;
  /** The text without any known secret and without anything shaped like a Hugging Face token. */
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
  const forms = new Set<string>();
  // Longest first, so that an encoding is removed before a shorter secret inside it.
  let ordered: string[] = [];

  const hide = (...values: Array<string | undefined>) => {
    for (const value of values) {
      if (value) {
        for (const form of encodingsOf(value)) {
          forms.add(form);
        }
      }
    }
    ordered = [...forms].filter(Boolean).sort((a, b) => b.length - a.length);
  };

  const redact = (text: string) => {
    let result = text;
    for (const form of ordered) {
      result = result.split(form).join(redactedMark);
    }
    return result.replace(hfTokenPattern, redactedMark);
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
