/**
 * The userinfo endpoint: the request, reading its answer into a typed profile, and mapping it to
 * Logto's `SocialUserInfo`.
 *
 * Which scope returns which field is documented on {@link huggingFaceProfileGuard}. Only `sub` is
 * required; the whole userinfo is kept in `rawData`, so fields Hugging Face adds later reach
 * Logto unchanged.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @see https://huggingface.co/docs/hub/oauth
 */
import { ConnectorErrorCodes, type SocialUserInfo } from '@logto/connector-kit';
import { z } from 'zod';

import { type ResolvedConfig } from './config.js';
import { maxRawDataDepth, userInfoRetryLimit } from './constants.js';
import { connectorError } from './errors.js';
import { type HttpResponse } from './http.js';
import { askHub, type JsonObject, parseJsonObject, readProviderError, refuseRedirect } from './hub.js';
import { type Redactor } from './redaction.js';

/** A field read only when it has its documented type; anything else counts as absent. */
const whenValid = <T extends z.ZodTypeAny>(schema: T) => schema.optional().catch(undefined);

/**
 * One organization of `orgs[]` (scope `profile`). Fields the connector reads; every other field
 * passes through.
 */
const huggingFaceOrganizationGuard = z
  .object({
    /** The organization's ID (24 hexadecimal characters), matched by ID entries of `authorizedOrgs`. */
    sub: whenValid(z.string()),
    /** Its display name. */
    name: whenValid(z.string()),
    /** The name in its URL, matched by name entries of `authorizedOrgs`. */
    preferred_username: whenValid(z.string()),
    /** Its avatar URL. */
    picture: whenValid(z.string()),
    /** The user's role; only for an organization the user granted on the consent screen. */
    roleInOrg: whenValid(z.string()),
    /**
     * What keeps the user from using the membership yet: a list of `"mfa"`, `"sso"`, `"ip"`,
     * `"token-policy"`. Kept as sent, of any type: the organization rule counts every value but
     * an empty list as a restriction.
     */
    securityRestrictions: z.unknown(),
    /** Older answers: set when the user must enable MFA to access the organization. */
    missingMFA: z.unknown(),
    /** Older answers: set when the user must sign in through the organization's SSO again. */
    pendingSSO: z.unknown(),
  })
  .passthrough();

/** One organization of the userinfo's `orgs[]`, as the connector reads it. */
export type HuggingFaceOrganization = z.output<typeof huggingFaceOrganizationGuard>;

/** A list of which only the entries the guard accepts are kept: one odd entry spoils nothing. */
const entriesOf = <Entry>(entry: z.ZodType<Entry, z.ZodTypeDef, unknown>) =>
  z.array(z.unknown()).transform((items) =>
    items.flatMap((item): Entry[] => {
      const result = entry.safeParse(item);
      return result.success ? [result.data] : [];
    })
  );

/**
 * The userinfo profile, each field under the scope that returns it. Only `sub` is required; a
 * field of another type than documented counts as absent, and fields Hugging Face adds later pass
 * through.
 *
 * @see https://huggingface.co/docs/hub/oauth
 */
const huggingFaceProfileGuard = z
  .object({
    /** Always: the user's ID, stable across username changes. */
    sub: z.string().refine((sub) => sub.trim() !== ''),
    /** `profile`: the display name; may be empty. */
    name: whenValid(z.string()),
    /** `profile`: the username, as in the profile's URL. */
    preferred_username: whenValid(z.string()),
    /** `profile`: the avatar URL. */
    picture: whenValid(z.string()),
    /** `profile`: the profile page URL. */
    profile: whenValid(z.string()),
    /** `profile`: the user's website, when set. */
    website: whenValid(z.string()),
    /** `profile`: whether the user has a Pro subscription. */
    isPro: whenValid(z.boolean()),
    /** `profile`: the organizations the user belongs to (see {@link huggingFaceOrganizationGuard}). */
    orgs: whenValid(entriesOf(huggingFaceOrganizationGuard)),
    /** `email`: the primary email address. */
    email: whenValid(z.string()),
    /** `email`: whether Hugging Face verified the address; only `true` counts. */
    email_verified: whenValid(z.boolean()),
    /** `read-billing`: whether the user has a payment method. */
    canPay: whenValid(z.boolean()),
  })
  .passthrough();

/** The userinfo profile as the connector reads it. */
export type HuggingFaceProfile = z.output<typeof huggingFaceProfileGuard>;

/** Userinfo as Hugging Face sent it: the profile read, and the exact JSON for Logto's `rawData`. */
export type HuggingFaceUserInfo = {
  profile: HuggingFaceProfile;
  rawData: JsonObject;
};

/**
 * Passed as `expectedSubject` when no ID token named the user, to say that there is no subject to
 * compare, on purpose.
 */
export const skipSubjectCheck: unique symbol = Symbol('skip subject check');

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
 * Asks for the userinfo with the access token, retrying network errors, 429 and 5xx twice.
 *
 * @param config - The resolved config.
 * @param accessToken - The bearer token (the redactor already knows it).
 * @returns The answer, whatever its status, for {@link processUserInfoResponse}.
 * @throws ConnectorError when no answer came (see `askHub`).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoRequest
 */
export const userInfoRequest = async (
  config: ResolvedConfig,
  accessToken: string
): Promise<HttpResponse> =>
  askHub(config, 'userInfo', {
    method: 'GET',
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    retries: userInfoRetryLimit,
  });

/**
 * Reads a userinfo answer.
 *
 * @param response - The answer, whatever its status.
 * @param expectedSubject - The verified ID token's `sub`, which the userinfo's must equal
 *   (OpenID Connect Core 5.3.2), or {@link skipSubjectCheck} when the sign-in has no ID token.
 * @param redactor - The sign-in's redactor, for any provider text quoted.
 * @returns The userinfo: a JSON object of at most 1 MiB nested at most {@link maxRawDataDepth}
 *   levels, so that Logto can keep it as `rawData`.
 * @throws ConnectorError `SocialAccessTokenInvalid` on 401; `InvalidResponse` for a body that is
 *   not a JSON object with `sub` or nests too deep; `SocialIdTokenInvalid` for a `sub` other than
 *   the expected one; `General` otherwise.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export const processUserInfoResponse = (
  response: HttpResponse,
  expectedSubject: string | typeof skipSubjectCheck,
  redactor: Redactor
): HuggingFaceUserInfo => {
  if (response.status === 401) {
    throw connectorError(
      ConnectorErrorCodes.SocialAccessTokenInvalid,
      'Hugging Face rejected the access token at the userinfo endpoint. Start the sign-in again.',
      { step: 'userinfo', status: 401, ...readProviderError(response.body, redactor) }
    );
  }
  refuseRedirect(response, 'userInfo');
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

  const rawData = parseJsonObject(response.body);
  if (!rawData) {
    throw connectorError(
      ConnectorErrorCodes.InvalidResponse,
      'Hugging Face\'s userinfo is not a JSON object.',
      { step: 'userinfo', status: 200 }
    );
  }
  if (nestingDepth(rawData, maxRawDataDepth) > maxRawDataDepth) {
    throw connectorError(
      ConnectorErrorCodes.InvalidResponse,
      `Hugging Face's userinfo nests deeper than ${maxRawDataDepth} levels, more than Logto can store as raw data.`,
      { step: 'userinfo', status: 200 }
    );
  }
  const profile = huggingFaceProfileGuard.safeParse(rawData);
  if (!profile.success) {
    throw connectorError(
      ConnectorErrorCodes.InvalidResponse,
      'Hugging Face\'s userinfo has no "sub" (user id).',
      { step: 'userinfo', status: 200 }
    );
  }
  if (expectedSubject !== skipSubjectCheck && profile.data.sub !== expectedSubject) {
    throw connectorError(
      ConnectorErrorCodes.SocialIdTokenInvalid,
      'The ID token from Hugging Face failed verification: its subject (sub) differs from the userinfo\'s.',
      { step: 'id_token' }
    );
  }
  return { profile: profile.data, rawData };
};

const text = (value: string | undefined): string | undefined =>
  value?.trim() ? value.trim() : undefined;

/** An email's local part: RFC 5322 `atext` and `.`, nothing else (no quotes, no white space). */
const localPartPattern = /^[\w.!#$%&'*+/=?^`{|}~-]+$/;

/** A domain label (RFC 1034 as RFC 1123 widens it): letters, digits and inner hyphens, at most 63. */
const domainLabelPattern = /^[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?$/i;

/**
 * Longest address mail can carry: SMTP's path of 256 octets less its angle brackets (RFC 5321,
 * 4.5.3.1.3), with a local part of at most 64 (4.5.3.1.1).
 */
const maxEmailLength = 254;
const maxLocalPartLength = 64;

/**
 * Tells whether a text is exactly one email address, by the HTML Standard's rule for a valid email
 * address: `1*( atext / "." ) "@" label *( "." label )`, in ASCII, within SMTP's lengths. A
 * display name, a comment, a list, white space, a control character or a header after the
 * address all fail it.
 *
 * @see https://html.spec.whatwg.org/multipage/input.html#valid-e-mail-address
 * @see https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.1
 */
const isOneEmailAddress = (value: string): boolean => {
  const at = value.indexOf('@');
  return (
    at > 0 &&
    at <= maxLocalPartLength &&
    value.length <= maxEmailLength &&
    localPartPattern.test(value.slice(0, at)) &&
    value
      .slice(at + 1)
      .split('.')
      .every((label) => domainLabelPattern.test(label))
  );
};

/**
 * Maps Hugging Face userinfo to Logto's user info.
 *
 * - `id`: `sub`, stable across username changes (and the official connector's choice, so
 *   linked accounts carry over);
 * - `name`: the display name, or the username when the display name is blank;
 * - `avatar`: `picture`;
 * - `email`: only when `email_verified` is `true`, since Logto may link accounts by email, and
 *   only when it is exactly one address ({@link isOneEmailAddress}), since Logto may also send
 *   mail to it; otherwise left out, the sign-in going on;
 * - `rawData`: the whole userinfo as sent (at most `maxResponseBytes` bytes, which the transport
 *   enforces, and {@link maxRawDataDepth} levels deep, which {@link processUserInfoResponse}
 *   ensures).
 */
export const toSocialUserInfo = ({ profile, rawData }: HuggingFaceUserInfo): SocialUserInfo => {
  const name = text(profile.name) ?? text(profile.preferred_username);
  const avatar = text(profile.picture);
  const email =
    profile.email_verified === true && profile.email !== undefined && isOneEmailAddress(profile.email)
      ? profile.email
      : undefined;
  return {
    id: profile.sub,
    ...(name && { name }),
    ...(avatar && { avatar }),
    ...(email && { email }),
    rawData,
  };
};
