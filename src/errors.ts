/**
 * The one place where failures become Logto `ConnectorError`s.
 *
 * Every error the connector throws carries `errorDescription` (Logto shows it to the operator),
 * and, where Hugging Face said something, its `error`, `error_description` and HTTP status.
 * Nothing secret reaches an error: provider texts are cut short and scrubbed of the client
 * secret, the authorization code and every token the connector handled.
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';

import { maxProviderTextLength } from './constants.js';

/** What an error tells the operator, beside its code. */
export type ErrorDetails = {
  /** Which step failed: `config`, `callback`, `token`, `refresh`, `id_token`, `userinfo`, `organizations`. */
  step?: string;
  /** HTTP status Hugging Face answered with. */
  status?: number;
  /** Hugging Face's OAuth `error` value. */
  error?: string;
  /** Hugging Face's `error_description`, scrubbed and shortened. */
  error_description?: string;
};

/**
 * Creates a `ConnectorError` whose data holds a readable `errorDescription` and the details.
 *
 * @param code - The most specific connector-kit code for the failure.
 * @param description - A sentence an operator can act on; it must not contain secrets.
 * @param details - Where the failure happened and what Hugging Face said.
 */
export const connectorError = (
  code: ConnectorErrorCodes,
  description: string,
  details: ErrorDetails = {}
): ConnectorError => {
  const data: Record<string, string | number> = { errorDescription: description };
  for (const [key, value] of Object.entries(details)) {
    if (value !== undefined) {
      data[key] = value;
    }
  }
  return new ConnectorError(code, data);
};

const hfTokenPattern = /hf_[\w-]{6,}/g;
const redactedMark = '[redacted]';

/**
 * Removes secrets from a text before it may reach an error or a log.
 *
 * @param text - Any text, typically a body Hugging Face sent.
 * @param secrets - Values that must never appear (client secret, code, tokens).
 * @returns The text without those values and without anything shaped like a Hugging Face token.
 */
export const redact = (text: string, secrets: ReadonlyArray<string | undefined>): string => {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) {
      result = result.split(secret).join(redactedMark);
    }
  }
  return result.replace(hfTokenPattern, redactedMark);
};

const tokenFields = ['access_token', 'refresh_token', 'id_token'] as const;

/** What Hugging Face put in an OAuth error body. */
export type ProviderErrorBody = {
  error?: string;
  error_description?: string;
};

/**
 * Reads an OAuth error (`error`, `error_description`) from a response body, or keeps the start of
 * a body that is not one, scrubbed of secrets.
 *
 * @param body - The response body as text.
 * @param secrets - Values to scrub.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const readProviderError = (
  body: string,
  secrets: ReadonlyArray<string | undefined>
): ProviderErrorBody => {
  let scrubbed = secrets;
  const clean = (value: string) => shorten(redact(value, scrubbed));
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const record = parsed as Record<string, unknown>;
      // Tokens sent with an error status (a misbehaving server or proxy) must not be echoed.
      scrubbed = [
        ...secrets,
        ...tokenFields.map((field) => record[field]).filter((value) => typeof value === 'string'),
      ];
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
  } catch {
    // Not JSON: keep the text itself below.
  }
  const text = body.trim();
  return text ? { error_description: clean(text) } : {};
};

const shorten = (text: string): string =>
  text.length > maxProviderTextLength ? `${text.slice(0, maxProviderTextLength)}…` : text;

/**
 * Ensures whatever a connector call throws reaches Logto as a `ConnectorError`.
 *
 * @param run - The connector call.
 * @returns The call's result; an unexpected error becomes `General` without its original text,
 *   which could hold request details.
 */
export const withConnectorErrors = async <T>(run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (error: unknown) {
    if (error instanceof ConnectorError) {
      throw error;
    }
    const kind = error instanceof Error ? error.name : typeof error;
    throw connectorError(
      ConnectorErrorCodes.General,
      `The Hugging Face connector failed unexpectedly (${kind}). Try again; if it persists, report it with the time of the sign-in.`
    );
  }
};
