/**
 * Reading what Hugging Face answered: its status, its JSON body and the OAuth error body it sends
 * with a failure. Nothing here throws; the endpoint modules decide what an answer means and
 * `errors.ts` turns that into a connector error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
import { maxProviderTextLength } from './constants.js';
import { shorten, stripControlCharacters } from './quote.js';
import { type Redactor } from './redaction.js';

/** A JSON value, as `JSON.parse` returns it and as Logto keeps it (`rawData`). */
export type Json = string | number | boolean | null | Json[] | JsonObject;

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/**
 * Parses a JSON object body: the one parser every Hugging Face answer goes through.
 *
 * @param body - A response body as text.
 * @returns The object, or `undefined` when the body is not JSON or not an object.
 */
export const parseJsonObject = (body: string): JsonObject | undefined => {
  try {
    // What JSON.parse returns is JSON by definition.
    const parsed = JSON.parse(body) as Json;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Tells whether a status is a redirect, which the connector never follows so that credentials
 * reach only the configured hub. A 304 is not one (nothing was asked conditionally): it is an
 * unexpected status like any other.
 *
 * @param status - The HTTP status of an answer.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.4
 */
export const isRedirect = (status: number): boolean => status >= 300 && status < 400 && status !== 304;

const tokenFields = ['access_token', 'refresh_token', 'id_token'] as const;

/** What Hugging Face put in an OAuth error body. */
export type ProviderErrorBody = {
  error?: string;
  error_description?: string;
};

/**
 * Reads an OAuth error (`error`, `error_description`) from a response body, or keeps the start of
 * a body that is not one; control characters removed, cut short and redacted. Tokens the body
 * carries (a server that sends tokens with an error status) are added to the redactor.
 *
 * @param body - The response body as text.
 * @param redactor - The redactor of the call.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const readProviderError = (body: string, redactor: Redactor): ProviderErrorBody => {
  const clean = (value: string) =>
    shorten(stripControlCharacters(redactor.redact(value)), maxProviderTextLength);
  const record = parseJsonObject(body);
  if (record) {
    redactor.hide(
      ...tokenFields.map((field) => record[field]).filter((value) => typeof value === 'string')
    );
    const { error, error_description: description } = record;
    const result: ProviderErrorBody = {};
    if (typeof error === 'string' && error) {
      result.error = clean(error);
    }
    if (typeof description === 'string' && description) {
      result.error_description = clean(description);
    }
    if (result.error ?? result.error_description) {
      return result;
    }
  }
  const text = body.trim();
  return text ? { error_description: clean(text) } : {};
};
