/**
 * The token endpoint: exchanging an authorization code, refreshing an access token.
 *
 * Requests are never retried: a code is single use, and a refresh token rotates on use.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://huggingface.co/docs/hub/oauth
 */
import { ConnectorErrorCodes, type TokenResponse } from '@logto/connector-kit';
import { z } from 'zod';

import { type ResolvedConfig } from './config.js';
import { connectorError, readProviderError } from './errors.js';
import { type HttpResponse } from './http.js';
import { parseJsonObject, requestHuggingFace } from './response.js';

/**
 * A successful token response. Accepts Hugging Face's quirks on purpose: `token_type` in any
 * case, `expires_in` as a number or numeric string.
 */
export const huggingFaceTokenResponseGuard = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === 'bearer'),
  expires_in: z
    .union([z.number().nonnegative(), z.string().regex(/^\d+$/).transform(Number)])
    .optional(),
  scope: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
});

/** A token response from Hugging Face, as stored by Logto's secret vault. */
export type HuggingFaceTokenResponse = z.output<typeof huggingFaceTokenResponseGuard> &
  TokenResponse;

/** The grant a token request uses; it decides what `invalid_grant` means. */
export type TokenGrant =
  | { grantType: 'authorization_code'; code: string; redirectUri: string; codeVerifier: string }
  | { grantType: 'refresh_token'; refreshToken: string };

/**
 * RFC 6749 client authentication: both parts form-encoded, then base64.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
const basicAuthorization = (clientId: string, clientSecret: string) => {
  const encode = (value: string) => encodeURIComponent(value).replaceAll('%20', '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
};

const formOf = (grant: TokenGrant): Record<string, string> =>
  grant.grantType === 'authorization_code'
    ? {
        grant_type: 'authorization_code',
        code: grant.code,
        redirect_uri: grant.redirectUri,
        code_verifier: grant.codeVerifier,
      }
    : { grant_type: 'refresh_token', refresh_token: grant.refreshToken };

const secretsOf = (config: ResolvedConfig, grant: TokenGrant) => [
  config.clientSecret,
  grant.grantType === 'authorization_code' ? grant.code : grant.refreshToken,
  grant.grantType === 'authorization_code' ? grant.codeVerifier : undefined,
];

/**
 * Sends a token request with HTTP Basic client authentication.
 *
 * @param config - The resolved config (client credentials, endpoint, timeout).
 * @param grant - The authorization code or the refresh token.
 * @returns The token response.
 * @throws ConnectorError see {@link processTokenResponse}.
 */
export const requestToken = async (
  config: ResolvedConfig,
  grant: TokenGrant
): Promise<HuggingFaceTokenResponse> => {
  const step = grant.grantType === 'authorization_code' ? 'token' : 'refresh';
  const response = await requestHuggingFace(
    {
      method: 'POST',
      url: config.endpoints.token,
      headers: {
        authorization: basicAuthorization(config.clientId, config.clientSecret),
        accept: 'application/json',
      },
      form: formOf(grant),
      timeoutMs: config.timeoutMs,
    },
    step,
    'token endpoint'
  );
  return processTokenResponse(response, grant, secretsOf(config, grant));
};

/**
 * Reads a token endpoint response.
 *
 * @param response - The response, whatever its status.
 * @param grant - The grant that was sent.
 * @param secrets - Values to scrub from any provider text.
 * @throws ConnectorError `SocialAuthCodeInvalid` for a rejected code, `SocialAccessTokenInvalid`
 *   for a rejected refresh token, `InvalidConfig` for rejected client credentials,
 *   `InvalidResponse` for a malformed success body, `General` otherwise.
 */
export const processTokenResponse = (
  response: HttpResponse,
  grant: TokenGrant,
  secrets: ReadonlyArray<string | undefined>
): HuggingFaceTokenResponse => {
  const step = grant.grantType === 'authorization_code' ? 'token' : 'refresh';
  if (response.status === 200) {
    const parsed = huggingFaceTokenResponseGuard.safeParse(parseJsonObject(response.body));
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'body'))];
      throw connectorError(
        ConnectorErrorCodes.InvalidResponse,
        `Hugging Face's token response is malformed (${fields.join(', ')}).`,
        { step, status: response.status }
      );
    }
    return parsed.data;
  }

  const provider = readProviderError(response.body, secrets);
  const details = { step, status: response.status, ...provider };

  if (provider.error === 'invalid_grant') {
    throw grant.grantType === 'authorization_code'
      ? connectorError(
          ConnectorErrorCodes.SocialAuthCodeInvalid,
          'Hugging Face rejected the authorization code: it expired, was already used, or does not match the redirect URI or PKCE verifier. Start the sign-in again.',
          details
        )
      : connectorError(
          ConnectorErrorCodes.SocialAccessTokenInvalid,
          'Hugging Face rejected the refresh token: it expired, was revoked or was already used. The user must sign in again.',
          details
        );
  }
  if (provider.error === 'invalid_client' || response.status === 401) {
    throw connectorError(
      ConnectorErrorCodes.InvalidConfig,
      'Hugging Face rejected the client ID or client secret. Copy both again from the Hugging Face app settings into the connector config.',
      details
    );
  }
  if (response.status >= 300 && response.status < 400) {
    throw connectorError(
      ConnectorErrorCodes.General,
      `Hugging Face's token endpoint answered with a redirect (${response.status}), which is not followed. Check the hub URL.`,
      { step, status: response.status }
    );
  }
  const said = [provider.error, provider.error_description].filter(Boolean).join(': ');
  throw connectorError(
    ConnectorErrorCodes.General,
    `Hugging Face's token endpoint answered ${response.status}${said ? ` (${said})` : ''}.`,
    details
  );
};

/**
 * Picks the fields of a token response Logto's secret vault keeps.
 */
export const toStoredTokenResponse = (tokens: HuggingFaceTokenResponse): TokenResponse => ({
  access_token: tokens.access_token,
  token_type: tokens.token_type,
  ...(tokens.expires_in !== undefined && { expires_in: tokens.expires_in }),
  ...(tokens.scope !== undefined && { scope: tokens.scope }),
  ...(tokens.refresh_token !== undefined && { refresh_token: tokens.refresh_token }),
  ...(tokens.id_token !== undefined && { id_token: tokens.id_token }),
});
