/**
 * One sign-in from the callback to Logto's user info: the single implementation behind
 * `getUserInfo` and `getTokenResponseAndUserInfo`.
 */
import { ConnectorErrorCodes, type GetSession, type SocialUserInfo } from '@logto/connector-kit';

import { readAuthorizationCode } from './callback.js';
import { type ResolvedConfig } from './config.js';
import { connectorError } from './errors.js';
import { verifyIdToken } from './id-token.js';
import { assertAuthorizedOrganization } from './organizations.js';
import { type Redactor } from './redaction.js';
import { hasScope } from './scopes.js';
import { assertSessionMatchesConfig, readSignInSession } from './session.js';
import { type HuggingFaceTokenResponse, requestToken } from './token.js';
import { fetchUserInfo, toSocialUserInfo } from './userinfo.js';

/** The outcome of a sign-in. */
export type SignInResult = {
  tokenResponse: HuggingFaceTokenResponse;
  userInfo: SocialUserInfo;
};

/**
 * Completes a sign-in: reads the callback, checks that the config still names the hub and client
 * the sign-in started with, exchanges the code with the PKCE verifier, verifies
 * the ID token when `openid` was requested, fetches the userinfo, checks that the ID token and
 * userinfo name the same user, applies the organization rule and maps the profile.
 *
 * @param config - The resolved config.
 * @param data - The callback's query as Logto posts it.
 * @param getSession - Logto's session reader.
 * @param redactor - The sign-in's redactor; it learns each secret before it is sent or read.
 * @throws ConnectorError for every failure, with the most specific code.
 */
export const completeSignIn = async (
  config: ResolvedConfig,
  data: unknown,
  getSession: GetSession,
  redactor: Redactor
): Promise<SignInResult> => {
  const session = await readSignInSession(getSession);
  redactor.hide(session.codeVerifier);
  const code = readAuthorizationCode(data, session, redactor);
  assertSessionMatchesConfig(session, config);
  const tokenResponse = await requestToken(
    config,
    {
      grantType: 'authorization_code',
      code,
      redirectUri: session.redirectUri,
      codeVerifier: session.codeVerifier,
    },
    redactor
  );

  const openidRequested = hasScope(session.scope, 'openid');
  if (openidRequested && !tokenResponse.id_token) {
    throw connectorError(
      ConnectorErrorCodes.SocialIdTokenInvalid,
      'The "openid" scope was requested but Hugging Face returned no ID token. Enable "openid" in the Hugging Face app\'s scopes.',
      { step: 'id_token' }
    );
  }
  const idClaims = tokenResponse.id_token
    ? await verifyIdToken(tokenResponse.id_token, config, { nonce: session.nonce })
    : undefined;

  const userInfo = await fetchUserInfo(config, tokenResponse.access_token, redactor);
  if (idClaims && idClaims.sub !== userInfo.sub) {
    throw connectorError(
      ConnectorErrorCodes.SocialIdTokenInvalid,
      'The ID token from Hugging Face failed verification: its subject (sub) differs from the userinfo\'s.',
      { step: 'id_token' }
    );
  }
  assertAuthorizedOrganization(userInfo, config.authorizedOrgs);

  return { tokenResponse, userInfo: toSocialUserInfo(userInfo) };
};
