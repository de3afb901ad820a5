/**
 * What one sign-in keeps in Logto's connector session between the redirect to Hugging Face and
 * the callback. Logto stores it as JSON, so a sign-in may finish on another Logto replica.
 */
import { ConnectorErrorCodes, type GetSession } from '@logto/connector-kit';
import { z } from 'zod';

import { connectorError } from './errors.js';

/**
 * The session guard.
 *
 * - `redirectUri`: the callback URL, sent again to the token endpoint.
 * - `state`: the value Logto put in the authorization request, checked against a callback that
 *   forwards it.
 * - `codeVerifier`: the PKCE secret (RFC 7636), sent to the token endpoint.
 * - `nonce`: present when `openid` was requested, checked against the ID token.
 * - `scope`: the scope requested, to know whether an ID token is owed.
 */
export const signInSessionGuard = z.object({
  redirectUri: z.string().min(1),
  state: z.string().min(1),
  codeVerifier: z.string().regex(/^[\w.~-]{43,128}$/),
  nonce: z.string().min(1).optional(),
  scope: z.string(),
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
