/**
 * The model of the property suite: what the connector must do, written from the specs (RFC 6749,
 * OpenID Connect Core), Hugging Face's documentation and the README's stated guarantees, with
 * every limit as a literal value. Nothing here is imported from `src`: a wrong rule in the
 * connector cannot pass its own test.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';

import { deliveredBody, type HostileAnswer } from '../support.js';

/**
 * Every scope Hugging Face documents (huggingface.co/docs/hub/oauth#currently-supported-scopes),
 * in its order, then `read-mcp`, which its own MCP server requests (github.com/huggingface/hf-mcp-server).
 */
export const documentedScopes = [
  'openid', 'profile', 'email', 'read-billing', 'read-memberships', 'read-repos',
  'gated-repos', 'contribute-repos', 'write-repos', 'manage-repos', 'read-collections',
  'write-collections', 'inference-api', 'read-endpoints', 'write-endpoints', 'jobs',
  'webhooks', 'write-discussions', 'read-mcp',
];

/** README: "Bodies are cut at 1 MiB". */
export const responseCapBytes = 1_048_576;

/** README: userinfo is "retried twice, on network errors, 429 and 5xx". */
export const userInfoRetries = 2;

/** README: the userinfo kept as `rawData` nests at most 16 levels. */
const rawDataDepthLimit = 16;

/** README: client secrets shorter than 16 characters are refused (Hugging Face issues 36). */
const shortestClientSecret = 16;

/** README: `expires_in` is a whole number of seconds up to one year. */
const longestExpiresInSeconds = 31_536_000;

/** README: error texts quote bad input briefly; no message needs more than this. */
export const longestErrorDescription = 2000;

/** Characters no reflected text may carry: C0 and C1 controls, DEL, line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
export const controlCharacterPattern = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

/** README: "network errors, 429 and 5xx" are what a retry is for. */
export const isRetryableStatus = (status: number) => status === 429 || status >= 500;

/** An outcome the model allows: a user id, or one of several error codes. */
export type Expected = { resolved: string } | { codes: ConnectorErrorCodes[] };

/** One code and nothing else. */
export const only = (code: ConnectorErrorCodes): Expected => ({ codes: [code] });

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Parses a JSON object body; `undefined` for anything else. */
export const parseObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

const isNonEmptyText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Depth of a JSON value (a scalar 0), counted with a stack so that the model survives any nesting. */
const jsonDepth = (value: unknown): number => {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() ?? [undefined, 0];
    if (item !== null && typeof item === 'object') {
      deepest = Math.max(deepest, depth + 1);
      for (const child of Object.values(item)) {
        stack.push([child, depth + 1]);
      }
    }
  }
  return deepest;
};

const isSaneExpiresIn = (value: unknown) => {
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return Number.isInteger(seconds) && Number(seconds) >= 0 && Number(seconds) <= longestExpiresInSeconds;
};

/** A token response the connector must accept (RFC 6749 5.1, with Hugging Face's quirks). */
const isUsableTokenBody = (body: Record<string, unknown> | undefined) => {
  if (!body) {
    return false;
  }
  const { access_token, token_type, expires_in, scope, refresh_token, id_token } = body;
  return (
    isNonEmptyText(access_token) &&
    typeof token_type === 'string' &&
    token_type.toLowerCase() === 'bearer' &&
    (expires_in === undefined || isSaneExpiresIn(expires_in)) &&
    (scope === undefined || typeof scope === 'string') &&
    (refresh_token === undefined || isNonEmptyText(refresh_token)) &&
    (id_token === undefined || isNonEmptyText(id_token))
  );
};

/** Expected end of the token exchange, or `undefined` when the sign-in goes on; a 101 is `General`. */
const expectTokenStep = (answer: HostileAnswer): ConnectorErrorCodes | undefined => {
  const body = deliveredBody(answer);
  if (body.length > responseCapBytes) {
    return ConnectorErrorCodes.InvalidResponse;
  }
  const parsed = parseObject(body.toString('utf8'));
  if (answer.status === 200) {
    return isUsableTokenBody(parsed) ? undefined : ConnectorErrorCodes.InvalidResponse;
  }
  // RFC 6749 5.2: invalid_grant is a bad code, invalid_client (or a 401) bad credentials.
  if (parsed?.error === 'invalid_grant') {
    return ConnectorErrorCodes.SocialAuthCodeInvalid;
  }
  if (parsed?.error === 'invalid_client' || answer.status === 401) {
    return ConnectorErrorCodes.InvalidConfig;
  }
  return ConnectorErrorCodes.General;
};

/**
 * Expected end of the userinfo step over a sequence of answers (the last one repeats): network
 * failures (a 101 among them), 429 and 5xx are retried twice; a body over the cap is not.
 */
export const expectUserInfoStep = (
  answers: HostileAnswer[]
): { code: ConnectorErrorCodes } | { sub: string } => {
  for (let attempt = 0; ; attempt++) {
    const answer = answers[Math.min(attempt, answers.length - 1)] ?? { status: 500 };
    const body = deliveredBody(answer);
    if (body.length > responseCapBytes) {
      return { code: ConnectorErrorCodes.InvalidResponse };
    }
    if (attempt < userInfoRetries && (answer.status === 101 || isRetryableStatus(answer.status))) {
      continue;
    }
    if (answer.status !== 200) {
      const code = answer.status === 401 ? 'SocialAccessTokenInvalid' : 'General';
      return { code: ConnectorErrorCodes[code] };
    }
    const parsed = parseObject(body.toString('utf8'));
    const sub = parsed?.sub;
    return typeof sub === 'string' && sub.trim() !== '' && jsonDepth(parsed) <= rawDataDepthLimit
      ? { sub }
      : { code: ConnectorErrorCodes.InvalidResponse };
  }
};

/** The ID token a case's token answer carries: valid, or broken in one way. */
export type IdTokenKind = 'valid' | 'other-subject' | 'other-key' | 'wrong-nonce' | 'malformed';

/**
 * Expected end of a whole sign-in, given the answers the hub sent and the ID token the case signed
 * for the token answer. OpenID Connect Core 3.1.3.7: any ID token is verified, one is owed for
 * `openid`, only a valid one in an `openid` sign-in (which saved a nonce) can pass, and its
 * subject must be the userinfo's.
 */
export const expectSignIn = (answers: {
  token: HostileAnswer;
  userInfo: HostileAnswer[];
  scope: string;
  idToken?: { value: string; kind: IdTokenKind };
}): Expected => {
  const tokenEnd = expectTokenStep(answers.token);
  if (tokenEnd) {
    return only(tokenEnd);
  }
  const received = parseObject(deliveredBody(answers.token).toString('utf8'))?.id_token;
  const { value, kind } = answers.idToken ?? {};
  const openid = answers.scope.split(' ').includes('openid');
  const passes = received === value && (kind === 'valid' || kind === 'other-subject');
  if (received === undefined ? openid : !openid || !passes) {
    return only(ConnectorErrorCodes.SocialIdTokenInvalid);
  }
  const userInfoEnd = expectUserInfoStep(answers.userInfo);
  if ('code' in userInfoEnd) {
    return only(userInfoEnd.code);
  }
  return received !== undefined && kind === 'other-subject'
    ? only(ConnectorErrorCodes.SocialIdTokenInvalid)
    : { resolved: userInfoEnd.sub };
};

/**
 * Expected outcome of a callback (RFC 6749 4.1.2 and 4.1.2.1, as Logto's sign-in page posts it),
 * given the state saved with the sign-in: `access_denied` is the user's no, `invalid_scope` a
 * config problem; any other error is `General`, or `InvalidConfig` when the connector reads the
 * description as a scope problem (Hugging Face documents no code for a scope not enabled).
 */
export const expectCallback = (data: unknown, savedState: string, subject: string): Expected => {
  if (!isJsonObject(data)) {
    return only(ConnectorErrorCodes.InvalidRequestParameters);
  }
  const { code, state, error, error_description: description } = data;
  const isText = (value: unknown, min: number) =>
    value === undefined || (typeof value === 'string' && value.length >= min && value.length <= 4096);
  if (!isText(code, 1) || !isText(state, 0) || !isText(error, 1) || !isText(description, 0)) {
    return only(ConnectorErrorCodes.InvalidRequestParameters);
  }
  if (error === 'access_denied') {
    return only(ConnectorErrorCodes.AuthorizationFailed);
  }
  if (error === 'invalid_scope') {
    return only(ConnectorErrorCodes.InvalidConfig);
  }
  if (error !== undefined) {
    return { codes: [ConnectorErrorCodes.General, ConnectorErrorCodes.InvalidConfig] };
  }
  // Logto's sign-in page posts no state; a forwarded one must be the sign-in's.
  if ((state !== undefined && state !== savedState) || code === undefined) {
    return only(ConnectorErrorCodes.AuthorizationFailed);
  }
  return { resolved: subject };
};

/**
 * Every hub URL the generators produce that the config must accept: https, or plain http on a
 * loopback host (127.0.0.0/8, ::1, localhost), with no credentials, query or fragment. Any other
 * non-blank text must be refused.
 */
export const acceptedHubUrls = (loopbackServer: string): string[] => [
  loopbackServer, 'https://huggingface.co', 'https://hub.example/', 'https://hub.example/base//',
  `https://hub.example/${'/'.repeat(5000)}x`,
  'http://localhost:8080', 'http://[::1]:9', 'http://127.0.0.2',
];

const isBlank = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** README: `authorizedOrgs` entries are split on commas and line breaks; a name has no space. */
const isRefusedOrganizationRule = (rule: unknown) => {
  if (isBlank(rule)) {
    return false;
  }
  const texts: unknown[] = Array.isArray(rule) ? rule : [rule];
  if (texts.some((text) => typeof text !== 'string')) {
    return true;
  }
  const entries = (texts as string[])
    .flatMap((text) => text.split(/[,\r\n]/))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return (texts.length > 0 && entries.length === 0) || entries.some((entry) => /\s/.test(entry));
};

/** Configs no valid reading may accept, decided from the README's config table. */
export const mustBeRejected = (config: unknown, loopbackServer: string): boolean => {
  if (!isJsonObject(config)) {
    return true;
  }
  const { clientId, clientSecret, hubUrl, requestTimeoutMs, authorizedOrgs } = config;
  return (
    typeof clientId !== 'string' ||
    clientId.trim() === '' ||
    typeof clientSecret !== 'string' ||
    clientSecret.trim().length < shortestClientSecret ||
    !(isBlank(hubUrl) || acceptedHubUrls(loopbackServer).includes(hubUrl as string)) ||
    isRefusedOrganizationRule(authorizedOrgs) ||
    (typeof requestTimeoutMs === 'number' &&
      (requestTimeoutMs < 500 || requestTimeoutMs > 30_000 || !Number.isInteger(requestTimeoutMs)))
  );
};
