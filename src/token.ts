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
import { maxExpiresInSeconds } from './constants.js';
import { connectorError } from './errors.js';
import { type HttpResponse } from './http.js';
import { askHub, parseJsonObject, readProviderError, refuseRedirect } from './hub.js';
import { type Redactor } from './redaction.js';

const expiresInGuard = z.number().int().min(0).max(maxExpiresInSeconds);

/**
 * A successful token response. Accepts Hugging Face's quirks on purpose: `token_type` in any
 * case, `expires_in` as a number or numeric string; `expires_in` must be a whole number of
 * seconds up to a year (never `Infinity`, which a JSON `1e999` becomes).
 */
const huggingFaceTokenResponseGuard = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === 'bearer'),
  expires_in: z
    .union([expiresInGuard, z.string().regex(/^\d{1,12}$/).transform(Number).pipe(expiresInGuard)])
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

const stepOf = (grant: TokenGrant) =>
  grant.grantType === 'authorization_code' ? ('token' as const) : ('refresh' as const);

/**
 * Sends a token request with HTTP Basic client authentication. Everything secret it sends (the
 * client secret, the Basic credentials, the code and verifier or the refresh token) goes to the
 * redactor first.
 *
 * @param config - The resolved config (client credentials, endpoint, timeout).
 * @param grant - The authorization code or the refresh token.
 * @param redactor - The redactor of the sign-in or refresh.
 * @returns The answer, whatever its status, for {@link processTokenResponse}.
 * @throws ConnectorError when no answer came (see `askHub`).
 */
export const tokenRequest = async (
  config: ResolvedConfig,
  grant: TokenGrant,
  redactor: Redactor
): Promise<HttpResponse> => {
  const authorization = basicAuthorization(config.clientId, config.clientSecret);
  const form = formOf(grant);
  redactor.hide(
    config.clientSecret,
    authorization.slice('Basic '.length),
    // What Hugging Face's documentation writes, base64(client_id:client_secret) without the
    // form-encoding step: a proxy that re-encodes would echo this form.
    Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64'),
    form.code,
    form.code_verifier,
    form.refresh_token
  );
  return askHub(config, 'token', {
    method: 'POST',
    headers: { authorization, accept: 'application/json' },
    form,
    step: stepOf(grant),
  });
};

/**
 * Reads a token endpoint response; the tokens of a successful one go to the redactor.
 *
 * @param response - The response, whatever its status.
 * @param grant - The grant that was sent.
 * @param redactor - Removes the call's secrets from any provider text.
 * @throws ConnectorError `SocialAuthCodeInvalid` for a rejected code, `SocialAccessTokenInvalid`
 *   for a rejected refresh token, `InvalidConfig` for rejected client credentials,
 *   `InvalidResponse` for a malformed success body, `General` otherwise.
 */
export const processTokenResponse = (
  response: HttpResponse,
  grant: TokenGrant,
  redactor: Redactor
): HuggingFaceTokenResponse => {
  const step = stepOf(grant);
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
    redactor.hide(parsed.data.access_token, parsed.data.refresh_token, parsed.data.id_token);
    return parsed.data;
  }

  const provider = readProviderError(response.body, redactor);
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
  refuseRedirect(response, 'token', step);
  const said = [provider.error, provider.error_description].filter(Boolean).join(': ');
  throw connectorError(
    ConnectorErrorCodes.General,
    `Hugging Face's token endpoint answered ${response.status}${said ? ` (${said})` : ''}.`,
    details
  );
};

/**
 * Picks the fields of a token response Logto's secret vault keeps. An ID token in a refresh
 * answer is dropped: Logto passes only the refresh token, so neither the nonce nor the subject
 * of the sign-in is known to check it against (OpenID Connect Core 12.2), and an unchecked token
 * must not reach the apps that read the vault.
 *
 * @param tokens - The parsed token response.
 * @param grant - Which grant produced it.
 */
export const toStoredTokenResponse = (
  tokens: HuggingFaceTokenResponse,
  grant: TokenGrant['grantType']
): TokenResponse => ({
  access_token: tokens.access_token,
  token_type: tokens.token_type,
  ...(tokens.expires_in !== undefined && { expires_in: tokens.expires_in }),
  ...(tokens.scope !== undefined && { scope: tokens.scope }),
  ...(tokens.refresh_token !== undefined && { refresh_token: tokens.refresh_token }),
  ...(tokens.id_token !== undefined &&
    grant === 'authorization_code' && { id_token: tokens.id_token }),
});
