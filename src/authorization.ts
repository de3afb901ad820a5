/**
 * The authorization request: PKCE pair, nonce, and the URL the user is sent to.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636
 * @see https://huggingface.co/docs/hub/oauth
 */
import { createHash, randomBytes } from 'node:crypto';

import { ConnectorErrorCodes } from '@logto/connector-kit';
import snakecaseKeys from 'snakecase-keys';

import { type ResolvedConfig } from './config.js';
import { defaultScopes } from './constants.js';
import { connectorError } from './errors.js';
import { hasScope, parseScopes } from './scopes.js';
import { type SignInSession } from './session.js';

const randomToken = () => randomBytes(32).toString('base64url');

/**
 * Derives the S256 code challenge of a verifier.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
const codeChallengeOf = (verifier: string): string =>
  createHash('sha256').update(verifier).digest('base64url');

/**
 * Picks the scopes of one request: the request's override, else the config's, else
 * {@link defaultScopes}.
 *
 * @param override - The `scope` Logto passed to `getAuthorizationUri`, if any; it may name the
 *   known scopes and the config's `extraScopes`.
 * @throws ConnectorError `InvalidRequestParameters` when the override holds a bad scope.
 */
const resolveRequestScope = (config: ResolvedConfig, override?: string): readonly string[] => {
  if (override === undefined || override.trim() === '') {
    return config.scope ?? defaultScopes;
  }
  const result = parseScopes(override, config.extraScopes ?? []);
  if ('problem' in result) {
    throw connectorError(ConnectorErrorCodes.InvalidRequestParameters, result.problem, {
      step: 'authorization',
    });
  }
  return result.scopes;
};

/** What `getAuthorizationUri` returns to Logto and saves in the session. */
export type AuthorizationRequest = {
  url: string;
  session: SignInSession;
};

/**
 * Builds the authorization URL and the session for one sign-in, with a fresh PKCE verifier and,
 * for `openid`, a fresh nonce.
 *
 * @param config - The resolved config.
 * @param request - Logto's `state`, `redirectUri` and the optional scope override.
 */
export const createAuthorizationRequest = (
  config: ResolvedConfig,
  request: { state: string; redirectUri: string; scope?: string }
): AuthorizationRequest => {
  const scopes = resolveRequestScope(config, request.scope);
  const codeVerifier = randomToken();
  const nonce = hasScope(scopes, 'openid') ? randomToken() : undefined;

  const parameters: Record<string, string> = snakecaseKeys({
    responseType: 'code',
    clientId: config.clientId,
    redirectUri: request.redirectUri,
    scope: scopes.join(' '),
    state: request.state,
    codeChallenge: codeChallengeOf(codeVerifier),
    codeChallengeMethod: 'S256',
    ...(nonce && { nonce }),
  });
  const url = new URL(config.endpoints.authorization);
  for (const [key, value] of Object.entries(parameters)) {
    url.searchParams.set(key, value);
  }
  if (config.orgIds?.length) {
    // Hugging Face spells this one in camelCase.
    url.searchParams.set('orgIds', config.orgIds.join(','));
  }

  return {
    url: url.toString(),
    session: {
      hubUrl: config.hubUrl,
      clientId: config.clientId,
      redirectUri: request.redirectUri,
      state: request.state,
      codeVerifier,
      scope: [...scopes],
      ...(nonce && { nonce }),
    },
  };
};
