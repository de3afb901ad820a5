/**
 * Sign in with Hugging Face for Logto.
 *
 * Logto imports this module and calls its default export with `getConfig`.
 *
 * @see https://docs.logto.io/integrations
 * @see https://huggingface.co/docs/hub/oauth
 */
import {
  ConnectorError,
  ConnectorErrorCodes,
  ConnectorType,
  type CreateConnector,
  type GetAccessTokenByRefreshToken,
  type GetAuthorizationUri,
  type GetConnectorConfig,
  type GetSession,
  type GetTokenResponseAndUserInfo,
  type GetUserInfo,
  type SocialConnector,
} from '@logto/connector-kit';

import { createAuthorizationRequest } from './authorization.js';
import { huggingFaceConfigGuard, resolveConfig } from './config.js';
import { connectorError, withConnectorErrors } from './errors.js';
import { metadata } from './metadata.js';
import { refreshOnce } from './refresh.js';
import { completeSignIn, type SignInResult } from './sign-in.js';
import { toStoredTokenResponse } from './token.js';

const loadConfig = async (getConfig: GetConnectorConfig) => {
  let raw: unknown;
  try {
    raw = await getConfig(metadata.id);
  } catch (error: unknown) {
    if (error instanceof ConnectorError) {
      throw error;
    }
    // Logto's own failure (a missing connector row, a database outage); its text is not ours to quote.
    throw connectorError(
      ConnectorErrorCodes.General,
      "Logto could not load the Hugging Face connector's config. Check that the connector is configured in the console and that Logto's database is reachable."
    );
  }
  return resolveConfig(raw);
};

const getAuthorizationUri =
  (getConfig: GetConnectorConfig): GetAuthorizationUri =>
  async ({ state, redirectUri, scope }, setSession) =>
    withConnectorErrors(async (redactor) => {
      const config = await loadConfig(getConfig);
      redactor.hide(config.clientSecret);
      const request = createAuthorizationRequest(config, { state, redirectUri, scope });
      await setSession(request.session);
      return request.url;
    });

/** The callback's sign-in, in a call of its own: what both `getUserInfo` and `getTokenResponseAndUserInfo` run. */
const signIn = async (getConfig: GetConnectorConfig, data: unknown, getSession: GetSession): Promise<SignInResult> =>
  withConnectorErrors(async (redactor) => {
    const config = await loadConfig(getConfig);
    redactor.hide(config.clientSecret);
    return completeSignIn(config, data, getSession, redactor);
  });

const getUserInfo =
  (getConfig: GetConnectorConfig): GetUserInfo =>
  async (data, getSession) =>
    (await signIn(getConfig, data, getSession)).userInfo;

const getTokenResponseAndUserInfo =
  (getConfig: GetConnectorConfig): GetTokenResponseAndUserInfo =>
  async (data, getSession) => {
    const { tokenResponse, userInfo } = await signIn(getConfig, data, getSession);
    return { tokenResponse: toStoredTokenResponse(tokenResponse, 'authorization_code'), userInfo };
  };

const getAccessTokenByRefreshToken =
  (getConfig: GetConnectorConfig): GetAccessTokenByRefreshToken =>
  async (refreshToken) =>
    withConnectorErrors(async (redactor) => {
      // A shared refresh's error was redacted where it was sent; this call hides its own secrets too.
      redactor.hide(refreshToken);
      const config = await loadConfig(getConfig);
      redactor.hide(config.clientSecret);
      return refreshOnce(config, refreshToken);
    });

/**
 * Creates the connector Logto registers: metadata, config guard and the social sign-in calls.
 *
 * @param options - Logto's `getConfig`, which returns the config saved in the admin console.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- connector-kit's CreateConnector is async; nothing here needs to wait
const createHuggingFaceConnector: CreateConnector<SocialConnector> = async ({ getConfig }) => ({
  metadata,
  type: ConnectorType.Social,
  configGuard: huggingFaceConfigGuard,
  getAuthorizationUri: getAuthorizationUri(getConfig),
  getUserInfo: getUserInfo(getConfig),
  getTokenResponseAndUserInfo: getTokenResponseAndUserInfo(getConfig),
  getAccessTokenByRefreshToken: getAccessTokenByRefreshToken(getConfig),
});

export default createHuggingFaceConnector;
export { huggingFaceConfigGuard } from './config.js';
export type { HuggingFaceConfig, HuggingFaceConfigInput } from './config.js';
export { metadata } from './metadata.js';
