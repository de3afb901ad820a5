/**
 * The one place where failures become Logto `ConnectorError`s: the error factory, the steps it
 * names, and the wrapper every connector call runs in. What goes wrong while asking Hugging Face
 * is worded in `hub.ts`, through this factory.
 *
 * Every error the connector throws carries `errorDescription` (Logto shows it to the operator),
 * the failing {@link Step}, and, where Hugging Face said something, its `error`,
 * `error_description` and HTTP status. Every error of a call passes through that call's
 * {@link Redactor} before it leaves the connector.
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';

import { createRedactor, type Redactor } from './redaction.js';

/** The step of a sign-in or refresh that failed. */
export type Step =
  | 'config'
  | 'authorization'
  | 'callback'
  | 'token'
  | 'refresh'
  | 'id_token'
  | 'userinfo'
  | 'organizations';

/** What an error tells the operator, beside its code. */
export type ErrorDetails = {
  /** Which step failed. */
  step?: Step;
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
 * @param cause - The original failure, kept as a non-enumerable `cause` (never in `data`).
 */
export const connectorError = (
  code: ConnectorErrorCodes,
  description: string,
  details: ErrorDetails = {},
  cause?: unknown
): ConnectorError => {
  const data: Record<string, string | number> = { errorDescription: description };
  // A caller may pass a key holding `undefined` (`status: response?.status`), which the type hides.
  const entries: Array<[string, string | number | undefined]> = Object.entries(details);
  for (const [key, value] of entries) {
    if (value !== undefined) {
      data[key] = value;
    }
  }
  const error = new ConnectorError(code, data);
  if (cause !== undefined) {
    Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  }
  return error;
};

/**
 * Runs one connector call with its own redactor and ensures whatever it throws reaches Logto as
 * a redacted `ConnectorError`.
 *
 * @param run - The connector call; it tells the redactor every secret it learns.
 * @returns The call's result; an unexpected error becomes `General` whose text names only the
 *   error's type, the original kept as a redacted, non-enumerable `cause`.
 */
export const withConnectorErrors = async <T>(
  run: (redactor: Redactor) => Promise<T>
): Promise<T> => {
  const redactor = createRedactor();
  try {
    return await run(redactor);
  } catch (error: unknown) {
    if (error instanceof ConnectorError) {
      throw redactor.redactError(error);
    }
    const kind = error instanceof Error ? error.name : typeof error;
    throw redactor.redactError(
      connectorError(
        ConnectorErrorCodes.General,
        `The Hugging Face connector failed unexpectedly (${kind}). Try again; if it persists, report it with the time of the sign-in.`,
        {},
        error
      )
    );
  }
};
