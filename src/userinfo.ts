/**
 * The userinfo endpoint: fetching the profile and mapping it to Logto's `SocialUserInfo`.
 *
 * Fields by scope (Hugging Face docs): always `sub`; with `profile`: `name`,
 * `preferred_username`, `picture`, `profile`, `website`, `isPro`, `orgs[]`; with `email`:
 * `email`, `email_verified`; with `read-billing`: `canPay`. Only `sub` is required; every field
 * is kept in `rawData`, so fields Hugging Face adds later reach Logto unchanged.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @see https://huggingface.co/docs/hub/oauth
 */
import { ConnectorErrorCodes, type SocialUserInfo } from '@logto/connector-kit';

import { type ResolvedConfig } from './config.js';
import { maxRawDataDepth, maxResponseBytes, userInfoRetryLimit } from './constants.js';
import { connectorError, readProviderError } from './errors.js';
import { parseJsonObject } from './json.js';
import { type Redactor } from './redaction.js';
import { refuseRedirect, requestHuggingFace } from './response.js';

/** Userinfo as Hugging Face sent it: a JSON object with a non-empty `sub`. */
export type HuggingFaceUserInfo = Record<string, unknown> & { sub: string };

/**
 * How deep a JSON value nests (a scalar is 0, `{}` and `[]` are 1), counted without recursion
 * so that no input can exhaust the stack; stops counting past `limit`.
 */
const nestingDepth = (value: unknown, limit: number): number => {
  let deepest = 0;
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.value !== null && typeof next.value === 'object') {
      const depth = next.depth + 1;
      deepest = Math.max(deepest, depth);
      if (deepest > limit) {
        return deepest;
      }
      for (const child of Object.values(next.value)) {
        pending.push({ value: child, depth });
      }
    }
  }
  return deepest;
};

/**
 * Fetches the userinfo with the access token, retrying network errors, 429 and 5xx twice.
 *
 * @param config - The resolved config.
 * @param accessToken - The bearer token (the redactor already knows it).
 * @param redactor - The sign-in's redactor.
 * @returns The userinfo: a JSON object of at most 1 MiB nested at most
 *   {@link maxRawDataDepth} levels, so that Logto can keep it as `rawData`.
 * @throws ConnectorError `SocialAccessTokenInvalid` on 401; `InvalidResponse` for a body that is
 *   not a JSON object with `sub`, is over 1 MiB or nests too deep; `General` otherwise.
 */
export const fetchUserInfo = async (
  config: ResolvedConfig,
  accessToken: string,
  redactor: Redactor
): Promise<HuggingFaceUserInfo> => {
  const response = await requestHuggingFace(
    {
      method: 'GET',
      url: config.endpoints.userInfo,
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      timeoutMs: config.timeoutMs,
      retries: userInfoRetryLimit,
    },
    'userinfo',
    'userinfo endpoint'
  );
  if (response.status === 401) {
    throw connectorError(
      ConnectorErrorCodes.SocialAccessTokenInvalid,
      'Hugging Face rejected the access token at the userinfo endpoint. Start the sign-in again.',
      { step: 'userinfo', status: 401, ...readProviderError(response.body, redactor) }
    );
  }
  refuseRedirect(response, 'userinfo', 'userinfo endpoint');
  if (response.status !== 200) {
    const provider = readProviderError(response.body, redactor);
    throw connectorError(
      ConnectorErrorCodes.General,
      `Hugging Face's userinfo endpoint answered ${response.status}${
        provider.error_description ? ` (${provider.error_description})` : ''
      }.`,
      { step: 'userinfo', status: response.status, ...provider }
    );
  }

  const body = parseJsonObject(response.body);
  if (!body) {
    throw connectorError(
      ConnectorErrorCodes.InvalidResponse,
      'Hugging Face\'s userinfo is not a JSON object.',
      { step: 'userinfo', status: 200 }
    );
  }
  if (nestingDepth(body, maxRawDataDepth) > maxRawDataDepth) {
    throw connectorError(
      ConnectorErrorCodes.InvalidResponse,
      `Hugging Face's userinfo nests deeper than ${maxRawDataDepth} levels, more than Logto can store as raw data.`,
      { step: 'userinfo', status: 200 }
    );
  }
  const { sub } = body;
  if (typeof sub !== 'string' || sub.trim() === '') {
    throw connectorError(
      ConnectorErrorCodes.InvalidResponse,
      'Hugging Face\'s userinfo has no "sub" (user id).',
      { step: 'userinfo', status: 200 }
    );
  }
  return { ...body, sub };
};

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/**
 * Maps Hugging Face userinfo to Logto's user info.
 *
 * - `id`: `sub`, stable across username changes (and the official connector's choice, so
 *   linked accounts carry over);
 * - `name`: the display name, or the username when the display name is blank;
 * - `avatar`: `picture`;
 * - `email`: only when `email_verified` is `true`, since Logto may link accounts by email;
 * - `rawData`: the whole userinfo (at most {@link maxResponseBytes} bytes and
 *   {@link maxRawDataDepth} levels deep, which {@link fetchUserInfo} ensures).
 */
export const toSocialUserInfo = (userInfo: HuggingFaceUserInfo): SocialUserInfo => {
  const name = text(userInfo.name) ?? text(userInfo.preferred_username);
  const avatar = text(userInfo.picture);
  const email = userInfo.email_verified === true ? text(userInfo.email) : undefined;
  return {
    id: userInfo.sub,
    ...(name && { name }),
    ...(avatar && { avatar }),
    ...(email && { email }),
    // The object came from JSON.parse within the size and depth bounds, so it is JSON Logto can keep.
    rawData: userInfo as NonNullable<SocialUserInfo['rawData']>,
  };
};
