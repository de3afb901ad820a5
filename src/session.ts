/**
 * What one sign-in keeps in Logto's connector session between the redirect to Hugging Face and
 * the callback. Logto stores it as JSON, so a sign-in may finish on another Logto replica.
 */
import { ConnectorErrorCodes, type GetSession } from '@logto/connector-kit';
import { z } from 'zod';

import { type ResolvedConfig } from './config.js';
import { connectorError } from './errors.js';
import { scopeListGuard } from './scopes.js';

/**
 * The session guard.
 *
 * - `redirectUri`: the callback URL, sent again to the token endpoint.
 * - `state`: the value Logto put in the authorization request, checked against a callback that
 *   forwards it.
 * - `codeVerifier`: the PKCE secret (RFC 7636), sent to the token endpoint.
 * - `nonce`: present when `openid` was requested, checked against the ID token.
 * - `scope`: the scopes requested, as a list of Hugging Face-shaped scopes (known or extra), to
 *   know whether an ID token is owed. A session saved with the scope as text (before the list)
 *   fails the guard, so that sign-in must start again.
 * - `hubUrl`, `clientId`: the hub and the app the code will belong to, so that a config changed
 *   during the sign-in cannot send this sign-in's code and verifier elsewhere.
 */
const signInSessionGuard = z.object({
  hubUrl: z.string().min(1),
  clientId: z.string().min(1),
  redirectUri: z.string().min(1),
  state: z.string().min(1),
  codeVerifier: z.string().regex(/^[\w.~-]{43,128}$/),
  nonce: z.string().min(1).optional(),
  scope: scopeListGuard,
});

/** The values one sign-in keeps in the connector session. */
export type SignInSession = z.infer<typeof signInSessionGuard>;

/**
 * Reads the sign-in session saved by `getAuthorizationUri`.
 *
 * @throws ConnectorError `General` when the session is missing, lacks the verifier or the state, or was not written by this
 *   connector (for example a sign-in started before the connector was switched).
 */
export const readSignInSession = async (getSession: GetSession): Promise<SignInSession> => {
  const result = signInSessionGuard.safeParse(await getSession());
  if (!result.success) {
    throw connectorError(
      ConnectorErrorCodes.General,
      'The sign-in session holds no Hugging Face PKCE verifier or state: it expired or was started by another connector. Start the sign-in again.',
      { step: 'callback' }
    );
  }
  return result.data;
};

/**
 * Checks that the config still names the hub and the client the sign-in started with, before
 * anything of the sign-in is sent.
 *
 * @throws ConnectorError `General` when the hub URL or the client ID changed during the sign-in.
 */
export const assertSessionMatchesConfig = (session: SignInSession, config: ResolvedConfig): void => {
  const changed = [
    session.hubUrl !== config.hubUrl && 'hub URL',
    session.clientId !== config.clientId && 'client ID',
  ].filter(Boolean);
  if (changed.length > 0) {
    throw connectorError(
      ConnectorErrorCodes.General,
      `The connector's ${changed.join(' and ')} changed after this sign-in started, so its authorization code belongs to another Hugging Face app; nothing was sent. Start the sign-in again.`,
      { step: 'callback' }
    );
  }
};
