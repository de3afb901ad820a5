/**
 * Reading the callback Hugging Face redirected the user to, as Logto's sign-in page posts it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import { z } from 'zod';

import { connectorError } from './errors.js';
import { shorten, stripControlCharacters } from './quote.js';
import { type Redactor } from './redaction.js';
import { type SignInSession } from './session.js';

const boundedText = z.string().max(4096);

const callbackGuard = z.object({
  code: boundedText.min(1).optional(),
  state: boundedText.optional(),
  error: boundedText.min(1).optional(),
  error_description: boundedText.optional(),
});

const maxEchoedLength = 200;

/** The callback's parameters that matter for the error messages. */
type CallbackError = { error: string; description?: string };

const scopeProblemPattern = /scope/i;

const describeCallbackError = (
  { error, description }: CallbackError,
  session: SignInSession,
  redactor: Redactor
): Error => {
  // Reflected text: no line breaks or other controls, short, and without the code (which the
  // redactor knows when one came beside the error).
  const echo = (text: string) =>
    shorten(stripControlCharacters(redactor.redact(text)), maxEchoedLength);
  const details = {
    step: 'callback' as const,
    error: echo(error),
    ...(description && { error_description: echo(description) }),
  };
  if (error === 'access_denied') {
    return connectorError(
      ConnectorErrorCodes.AuthorizationFailed,
      'The user cancelled the sign-in on Hugging Face or did not grant access.',
      details
    );
  }
  if (error === 'invalid_scope' || scopeProblemPattern.test(description ?? '')) {
    return connectorError(
      ConnectorErrorCodes.InvalidConfig,
      `Hugging Face refused the requested scope "${session.scope}". Enable each of these scopes in the Hugging Face app's settings (huggingface.co/settings/applications), or remove the missing ones from the connector's scope.`,
      details
    );
  }
  return connectorError(
    ConnectorErrorCodes.General,
    `Hugging Face returned an error instead of an authorization code: ${details.error}${
      details.error_description ? ` (${details.error_description})` : ''
    }.`,
    details
  );
};

/**
 * Takes the authorization code out of the callback data.
 *
 * @param data - The callback's query as Logto posts it; any shape. Logto's sign-in page has
 *   already checked `state` and leaves it out; when `state` is present (the Account Center, an
 *   API client), it must equal the session's.
 * @param session - The sign-in session, to check `state` and to name the requested scope.
 * @param redactor - The sign-in's redactor; it learns the code before anything is quoted.
 * @returns The authorization code.
 * @throws ConnectorError `AuthorizationFailed` when the user cancelled, a forwarded state
 *   differs or there is no code; `InvalidConfig` for a scope Hugging Face refused; `General` for any other
 *   provider error.
 */
export const readAuthorizationCode = (
  data: unknown,
  session: SignInSession,
  redactor: Redactor
): string => {
  const result = callbackGuard.safeParse(data);
  if (!result.success) {
    throw connectorError(
      ConnectorErrorCodes.InvalidRequestParameters,
      'The callback data is malformed: code, state, error and error_description must be short texts.',
      { step: 'callback' }
    );
  }
  const { code, state, error, error_description: description } = result.data;
  redactor.hide(code);
  if (error) {
    throw describeCallbackError({ error, description }, session, redactor);
  }
  // Logto's sign-in page checks `state` in the browser and posts the query without it; the
  // Account Center and API clients forward it, and then it must be this sign-in's.
  if (state !== undefined && state !== session.state) {
    throw connectorError(
      ConnectorErrorCodes.AuthorizationFailed,
      'The callback state does not match the sign-in that was started. Start the sign-in again.',
      { step: 'callback' }
    );
  }
  if (!code) {
    throw connectorError(
      ConnectorErrorCodes.AuthorizationFailed,
      'The callback from Hugging Face carries neither an authorization code nor an error.',
      { step: 'callback' }
    );
  }
  return code;
};
