/**
 * One sign-in from the callback to Logto's user info: the single implementation behind
 * `getUserInfo` and `getTokenResponseAndUserInfo`.
 */
import { ConnectorErrorCodes, type GetSession, type SocialUserInfo } from '@logto/connector-kit';

import { readAuthorizationCode } from './callback.js';
import { type ResolvedConfig } from './config.js';
import { connectorError } from './errors.js';
import { prepareKeySetFetch, verifyIdToken } from './id-token.js';
import { assertAuthorizedOrganization } from './organizations.js';
import { type Redactor } from './redaction.js';
import { hasScope } from './scopes.js';
import { assertSessionMatchesConfig, readSignInSession } from './session.js';
import { type HuggingFaceTokenResponse, processTokenResponse, type TokenGrant, tokenRequest } from './token.js';
import {
  processUserInfoResponse,
  skipSubjectCheck,
  toSocialUserInfo,
  userInfoRequest,
} from './userinfo.js';

/** The outcome of a sign-in. */
export type SignInResult = {
  tokenResponse: HuggingFaceTokenResponse;
  userInfo: SocialUserInfo;
};

/**
 * Completes a sign-in: reads the callback, checks that the config still names the hub and client
 * the sign-in started with, exchanges the code with the PKCE verifier, verifies
 * the ID token when `openid` was requested, fetches the userinfo and checks that it names the ID
 * token's user, applies the organization rule and maps the profile.
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
  const code = readAuthorizationCode(data, session, redactor);
  assertSessionMatchesConfig(session, config);
  const openidRequested = hasScope(session.scope, 'openid');
  if (openidRequested) {
    prepareKeySetFetch(config);
  }
  const grant: TokenGrant = {
    grantType: 'authorization_code',
    code,
    redirectUri: session.redirectUri,
    codeVerifier: session.codeVerifier,
  };
  const tokenResponse = processTokenResponse(await tokenRequest(config, grant, redactor), grant, redactor);

  if (openidRequested && !tokenResponse.id_token) {
    throw connectorError(
      ConnectorErrorCodes.SocialIdTokenInvalid,
      'The "openid" scope was requested but Hugging Face returned no ID token. Enable "openid" in the Hugging Face app\'s scopes.',
      { step: 'id_token' }
    );
  }
  // The userinfo request goes out beside the key set fetch. Both settle before anything is
  // reported, so no request outlives the sign-in; an ID token failure still comes first.
  const [idCheck, userInfoAnswer] = await Promise.allSettled([
    tokenResponse.id_token ? verifyIdToken(tokenResponse.id_token, config, { nonce: session.nonce }) : undefined,
    userInfoRequest(config, tokenResponse.access_token),
  ]);
  if (idCheck.status === 'rejected') {
    throw idCheck.reason;
  }
  if (userInfoAnswer.status === 'rejected') {
    throw userInfoAnswer.reason;
  }
  const idClaims = idCheck.value;
  const userInfo = processUserInfoResponse(
    userInfoAnswer.value,
    // `sub` is a required claim of the verified token; '' (never a userinfo's sub) only satisfies the type.
    idClaims ? (idClaims.sub ?? '') : skipSubjectCheck,
    redactor
  );
  assertAuthorizedOrganization(userInfo.profile, config.authorizedOrgs);

  return { tokenResponse, userInfo: toSocialUserInfo(userInfo) };
};
