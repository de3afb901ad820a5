/**
 * Property-based tests: whatever the callback, the config or Hugging Face's answers hold, a
 * sign-in ends with a valid `SocialUserInfo` or a coded `ConnectorError`, never another error,
 * never an unhandled rejection, and no error holds the client secret, the code, the PKCE verifier
 * or a token of that sign-in.
 *
 * Each property also carries a model of the expected outcome, so a connector that failed every
 * call (or accepted everything) would not pass. Answers come from a real HTTP server on 127.0.0.1.
 *
 * Every case uses fresh random secrets. Hostile servers echo what they received (the token
 * endpoint the code, the verifier and the client secret; the userinfo endpoint the access token),
 * and token bodies carry the case's tokens under any status.
 *
 * Statuses 100-199: Node's HTTP client reads a 1xx answer as interim and waits for a final one,
 * so no 1xx except 101 can be final. Each is sent as an interim answer before a generated final
 * answer, and the model expects the final answer's outcome. A 101 is sent on its own: the client
 * sees a protocol switch and the connector must fail with `General`.
 */
import { createHash } from 'node:crypto';

import { ConnectorError, ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { knownScopes, maxResponseBytes, userInfoRetryLimit } from '../../src/constants.js';
import { huggingFaceConfigGuard } from '../../src/index.js';
import { createLogtoSessionStore } from '../support/logto-session.js';
import {
  bodilessStatuses,
  classify,
  createConnectorUnderTest,
  distinctive,
  drainEventLoop,
  leakedSecrets,
  type LoopbackServer,
  type Outcome,
  redirectUri,
  type RejectionWatch,
  type ScriptedAnswer,
  sendAnswer,
  settle,
  startLoopbackServer,
  startSignIn,
  watchUnhandledRejections,
} from './support.js';

/** Generated cases per property; the README cites these numbers. */
const generatedCases = {
  callback: 3500,
  config: 3500,
  /** Per status from 100 to 599, for the token endpoint and for the userinfo endpoint. */
  perStatus: 3,
  mixedAnswers: 1000,
} as const;

const allStatuses = Array.from({ length: 500 }, (_, index) => 100 + index);

/** The suite fails unless at least this many generated cases ran. */
const minimumGeneratedCases = 10_000;

const executed = { callback: 0, config: 0, tokenStatuses: 0, userInfoStatuses: 0, mixedAnswers: 0 };

type PropertyName = keyof typeof executed;

/** How the cases of each property ended, so a generator that never reaches a path is noticed. */
const endings = Object.fromEntries(
  Object.keys(executed).map((name) => [name, new Map<string, number>()])
) as Record<PropertyName, Map<string, number>>;

const countEnding = (property: PropertyName, ending: string) => {
  endings[property].set(ending, (endings[property].get(ending) ?? 0) + 1);
};

const expectEndings = (property: PropertyName, wanted: string[]) => {
  expect([...endings[property].keys()]).toEqual(expect.arrayContaining(wanted));
};

const requestTimeoutMs = 1000;
const clientId = 'hf-hostile-client';
const jwtKeyId = 'hostile-key';

// ---------------------------------------------------------------------------------------------
// Per-case secrets. Generated texts hold placeholders that each case fills with fresh values.

const slots = {
  secret: '@@secret@@',
  code: '@@code@@',
  verifier: '@@verifier@@',
  access: '@@access@@',
  refresh: '@@refresh@@',
  idToken: '@@idtoken@@',
  state: '@@state@@',
  hub: '@@hub@@',
} as const;

type SlotValues = Partial<Record<keyof typeof slots, string>>;

const fill = (template: string, values: SlotValues): string => {
  let text = template;
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) {
      text = text.replaceAll(slots[name as keyof typeof slots], value);
    }
  }
  return text;
};

type CaseSecrets = { secret: string; code: string; access: string; refresh: string };

/**
 * Fresh secrets for one case.
 *
 * @param hfShapedTokens - Shape the tokens like Hugging Face's (`hf_oauth_…`), which the
 *   connector recognises even in a body it cannot parse; otherwise only their value can.
 */
const freshSecrets = (hfShapedTokens = false): CaseSecrets => ({
  secret: distinctive('secret'),
  code: distinctive('code'),
  access: hfShapedTokens ? `hf_oauth_${distinctive('access')}` : distinctive('access'),
  refresh: hfShapedTokens ? `hf_oauth_${distinctive('refresh')}` : distinctive('refresh'),
});

/** A text as it travels in UTF-8: a lone surrogate becomes U+FFFD. */
const asSent = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

// ---------------------------------------------------------------------------------------------
// Generators shared by the properties.

/** Keys that trip naive object handling. */
const trickyKeyArb = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__'
);

const unicodeTextArb = fc.string({ maxLength: 24, unit: 'grapheme' });
const anyTextArb = fc.oneof(
  fc.string({ maxLength: 24 }),
  unicodeTextArb,
  fc.string({ maxLength: 12, unit: 'binary' })
);

/** A string of exactly the given length in UTF-16 units, as zod counts. */
const hugeTextArb = (lengths: number[]) =>
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 3, unit: 'grapheme' }), fc.constantFrom(...lengths))
    .map(([seed, length]) => seed.repeat(Math.ceil(length / seed.length)).slice(0, length));

const anyJsonArb = fc.jsonValue({ maxDepth: 3 });
const nonStringJsonArb = anyJsonArb.filter((value) => typeof value !== 'string');

/** A JSON value written as JSON text. */
const jsonText = (value: unknown) => JSON.stringify(value) ?? 'null';

/** Entries written as a JSON object text; keys may repeat and include `__proto__`. */
const objectText = (entries: Array<[string, string]>) =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;

const extraEntriesArb = (keys: fc.Arbitrary<string>) =>
  fc.array(
    fc.tuple(
      fc.oneof(trickyKeyArb, keys, fc.string({ maxLength: 10 })),
      anyJsonArb.map((value) => jsonText(value))
    ),
    { maxLength: 4 }
  );

/**
 * Free text that may echo secrets: a server reflects what it received (the token endpoint the
 * code, the verifier and the client credentials; the userinfo endpoint the access token), and
 * the client secret is echoed everywhere since nothing may ever show it.
 */
const echoTextArb = (echoed: string[]) =>
  fc
    .array(fc.oneof(anyTextArb, fc.constantFrom(...echoed)), { maxLength: 6 })
    .map((parts) => parts.join(' '));

const tokenEndpointEchoes = [slots.secret, slots.code, slots.verifier];
const userInfoEndpointEchoes = [slots.secret, slots.access];

// ---------------------------------------------------------------------------------------------
// Models of what the connector must do.

type Expected = { outcome: 'resolved'; id: string } | { outcome: ConnectorErrorCodes };

const parseObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

const isNonEmptyText = (value: unknown): value is string =>
  typeof value === 'string' && value !== '';

/** A token response the connector must accept (RFC 6749 §5.1, with Hugging Face's quirks). */
const isUsableTokenBody = (body: Record<string, unknown> | undefined) => {
  if (!body) {
    return false;
  }
  const { access_token, token_type, expires_in, scope, refresh_token, id_token } = body;
  return (
    isNonEmptyText(access_token) &&
    typeof token_type === 'string' &&
    token_type.toLowerCase() === 'bearer' &&
    (expires_in === undefined ||
      (typeof expires_in === 'number' && expires_in >= 0) ||
      (typeof expires_in === 'string' && /^\d+$/.test(expires_in))) &&
    (scope === undefined || typeof scope === 'string') &&
    (refresh_token === undefined || isNonEmptyText(refresh_token)) &&
    (id_token === undefined || isNonEmptyText(id_token))
  );
};

const providerErrorOf = (text: string) => {
  const error = parseObject(text)?.error;
  return typeof error === 'string' ? error : undefined;
};

/** The body the client receives for an answer: none for 204 and 304. */
const deliveredBody = (answer: ScriptedAnswer) =>
  bodilessStatuses.has(answer.status) ? Buffer.alloc(0) : Buffer.from(answer.body ?? '');

const isRetryable = (status: number) => status === 429 || status >= 500;

/** Expected end of the token exchange, or `undefined` when the sign-in goes on. */
const expectTokenStep = (answer: ScriptedAnswer): ConnectorErrorCodes | undefined => {
  if (answer.status === 101) {
    return ConnectorErrorCodes.General;
  }
  const body = deliveredBody(answer);
  if (body.length > maxResponseBytes) {
    return ConnectorErrorCodes.InvalidResponse;
  }
  const text = body.toString('utf8');
  if (answer.status === 200) {
    return isUsableTokenBody(parseObject(text)) ? undefined : ConnectorErrorCodes.InvalidResponse;
  }
  const error = providerErrorOf(text);
  if (error === 'invalid_grant') {
    return ConnectorErrorCodes.SocialAuthCodeInvalid;
  }
  if (error === 'invalid_client' || answer.status === 401) {
    return ConnectorErrorCodes.InvalidConfig;
  }
  return ConnectorErrorCodes.General;
};

/**
 * Expected end of the userinfo step over a sequence of answers (the last one repeats): network
 * failures, 429 and 5xx are retried; a body over the cap is not.
 */
const expectUserInfoStep = (
  answers: ScriptedAnswer[]
): { code: ConnectorErrorCodes } | { sub: string; body: Record<string, unknown> } => {
  for (let attempt = 0; ; attempt++) {
    const answer = answers[Math.min(attempt, answers.length - 1)]!;
    const canRetry = attempt < userInfoRetryLimit;
    if (answer.status === 101) {
      if (canRetry) {
        continue;
      }
      return { code: ConnectorErrorCodes.General };
    }
    const body = deliveredBody(answer);
    if (body.length > maxResponseBytes) {
      return { code: ConnectorErrorCodes.InvalidResponse };
    }
    if (canRetry && isRetryable(answer.status)) {
      continue;
    }
    if (answer.status === 401) {
      return { code: ConnectorErrorCodes.SocialAccessTokenInvalid };
    }
    if (answer.status !== 200) {
      return { code: ConnectorErrorCodes.General };
    }
    const parsed = parseObject(body.toString('utf8'));
    const sub = parsed?.sub;
    return parsed && typeof sub === 'string' && sub.trim() !== ''
      ? { sub, body: parsed }
      : { code: ConnectorErrorCodes.InvalidResponse };
  }
};

// ---------------------------------------------------------------------------------------------
// The loopback Hugging Face and the connector under test.

type Script = { token: ScriptedAnswer; userInfo: ScriptedAnswer[]; jwks: ScriptedAnswer };

let server: LoopbackServer;
let connector: SocialConnector;
let useConfig: (config: unknown) => void;
let rejections: RejectionWatch;
let script: Script;
let userInfoAttempts = 0;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;

const jsonHeaders = { 'content-type': 'application/json' };

const program = (next: Omit<Script, 'jwks'>) => {
  script = { ...script, ...next };
  userInfoAttempts = 0;
  server.requests.length = 0;
};

const requestsTo = (path: string) => server.requests.filter((request) => request.path === path);

beforeAll(async () => {
  rejections = watchUnhandledRejections();
  server = await startLoopbackServer();
  ({ connector, useConfig } = await createConnectorUnderTest());
  const keys = await generateKeyPair('RS256');
  signingKey = keys.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const publicJwk: JWK = {
    ...(await exportJWK(keys.publicKey)),
    kid: jwtKeyId,
    alg: 'RS256',
    use: 'sig',
  };
  script = {
    token: { status: 500 },
    userInfo: [{ status: 500 }],
    jwks: { status: 200, headers: jsonHeaders, body: JSON.stringify({ keys: [publicJwk] }) },
  };
  server.handle((request, response) => {
    if (request.path === '/oauth/token') {
      sendAnswer(response, script.token);
    } else if (request.path === '/oauth/userinfo') {
      const answer = script.userInfo[Math.min(userInfoAttempts, script.userInfo.length - 1)]!;
      userInfoAttempts += 1;
      sendAnswer(response, answer);
    } else if (request.path === '/oauth/jwks') {
      sendAnswer(response, script.jwks);
    } else {
      sendAnswer(response, { status: 404 });
    }
  });
});

afterAll(async () => {
  rejections.stop();
  await server.close();
});

const configFor = (secrets: CaseSecrets, scope = 'profile') => ({
  clientId,
  clientSecret: secrets.secret,
  hubUrl: server.url,
  requestTimeoutMs,
  scope,
});

const validTokenAnswer = (): ScriptedAnswer => ({
  status: 200,
  headers: jsonHeaders,
  body: objectText([
    ['access_token', JSON.stringify(slots.access)],
    ['token_type', '"bearer"'],
    ['expires_in', '28800'],
    ['refresh_token', JSON.stringify(slots.refresh)],
  ]),
});

const fixedSub = 'hostile-user-0001';

const validUserInfoAnswer = (): ScriptedAnswer => ({
  status: 200,
  headers: jsonHeaders,
  body: JSON.stringify({ sub: fixedSub, name: 'Hostile Tester', preferred_username: 'hostile' }),
});

const fillAnswer = (answer: ScriptedAnswer, values: SlotValues, padTo?: number): ScriptedAnswer => {
  if (typeof answer.body !== 'string') {
    return answer;
  }
  let body = fill(answer.body, values);
  if (padTo !== undefined && body.startsWith('{')) {
    const used = Buffer.byteLength(body) + (body === '{}' ? 0 : 1) + '"_pad":""'.length;
    if (padTo > used) {
      const pad = `"_pad":"${'x'.repeat(padTo - used)}"`;
      body = body === '{}' ? `{${pad}}` : `{${pad},${body.slice(1)}`;
    }
  }
  return { ...answer, body };
};

/** Checks one outcome against the model and the secrecy rule. */
const expectContract = (
  outcome: Outcome,
  expected: Expected,
  secrets: Record<string, string | undefined>
) => {
  expect(classify(outcome)).toBe(expected.outcome);
  if (outcome.settled === 'rejected') {
    expect(leakedSecrets(outcome.error, secrets)).toEqual([]);
  }
  if (outcome.settled === 'resolved' && expected.outcome === 'resolved') {
    const userInfo = outcome.value as {
      id: string;
      email?: string;
      rawData?: Record<string, unknown>;
    };
    expect(userInfo.id).toBe(expected.id);
    // Logto may link accounts by email: only a verified one may come back.
    if (userInfo.email !== undefined) {
      expect(userInfo.rawData?.email_verified).toBe(true);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// (a) Callback data.

const stringValue = (arb: fc.Arbitrary<string>) => arb.map((text) => JSON.stringify(text));

const callbackFieldArb = (weights: {
  slot?: string;
  scripted?: fc.Arbitrary<string>;
}): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    ...(weights.slot ? [{ arbitrary: fc.constant(JSON.stringify(weights.slot)), weight: 14 }] : []),
    ...(weights.scripted ? [{ arbitrary: stringValue(weights.scripted), weight: 3 }] : []),
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: stringValue(anyTextArb), weight: 1 },
    { arbitrary: stringValue(hugeTextArb([4095, 4096, 4097, 20_000])), weight: 1 },
    { arbitrary: nonStringJsonArb.map((value) => jsonText(value)), weight: 1 },
    { arbitrary: fc.constant('""'), weight: 1 }
  );

const structuredCallbackArb = fc
  .record({
    code: callbackFieldArb({ slot: slots.code }),
    state: callbackFieldArb({ slot: slots.state }),
    error: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 8 },
      {
        arbitrary: callbackFieldArb({
          scripted: fc.constantFrom(
            'access_denied',
            'invalid_scope',
            'server_error',
            'invalid_request',
            slots.code
          ),
        }),
        weight: 4,
      }
    ),
    error_description: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 6 },
      {
        arbitrary: callbackFieldArb({
          scripted: fc.oneof(
            echoTextArb([slots.code]),
            fc.constantFrom('The scope "x" is not enabled', 'User denied')
          ),
        }),
        weight: 4,
      }
    ),
    redirectUri: fc.option(stringValue(anyTextArb), { nil: undefined }),
    extras: extraEntriesArb(fc.constantFrom('code', 'state', 'error', 'error_description')),
  })
  .map(({ extras, ...fields }) =>
    objectText([
      ...Object.entries(fields).filter(
        (entry): entry is [string, string] => entry[1] !== undefined
      ),
      ...extras,
    ])
  );

/** JSON text of the data Logto's sign-in page could post, with `code` and `state` slots. */
const callbackArb = fc.oneof(
  { arbitrary: structuredCallbackArb, weight: 4 },
  { arbitrary: anyJsonArb.map((value) => jsonText(value)), weight: 1 }
);

/** Expected outcome of a callback, given the state saved with the sign-in. */
const expectCallback = (data: unknown, savedState: string): Expected => {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { outcome: ConnectorErrorCodes.InvalidRequestParameters };
  }
  const { code, state, error, error_description: description } = data as Record<string, unknown>;
  const isText = (value: unknown, min: number) =>
    value === undefined ||
    (typeof value === 'string' && value.length >= min && value.length <= 4096);
  if (!isText(code, 1) || !isText(state, 0) || !isText(error, 1) || !isText(description, 0)) {
    return { outcome: ConnectorErrorCodes.InvalidRequestParameters };
  }
  if (typeof error === 'string') {
    if (error === 'access_denied') {
      return { outcome: ConnectorErrorCodes.AuthorizationFailed };
    }
    const mentionsScope = typeof description === 'string' && /scope/i.test(description);
    if (error === 'invalid_scope' || mentionsScope) {
      return { outcome: ConnectorErrorCodes.InvalidConfig };
    }
    return { outcome: ConnectorErrorCodes.General };
  }
  // Logto's sign-in page posts no state; a forwarded one must be the sign-in's.
  if ((state !== undefined && state !== savedState) || code === undefined) {
    return { outcome: ConnectorErrorCodes.AuthorizationFailed };
  }
  return { outcome: 'resolved', id: fixedSub };
};

// ---------------------------------------------------------------------------------------------
// (b) Configs.

const hexId = fc.string({
  minLength: 24,
  maxLength: 24,
  unit: fc.constantFrom(...'0123456789abcdefABCDEF'),
});

const scopeTextArb = fc
  .tuple(fc.subarray([...knownScopes]), fc.constantFrom(' ', '  ', '\n', '\t '))
  .map(([scopes, separator]) => scopes.join(separator));

const baseConfigArb = fc.record({
  clientId: fc.oneof(
    fc.constant(clientId),
    fc.string({ minLength: 1, maxLength: 40 }).filter((text) => text.trim() !== ''),
    fc.constant(`  ${clientId}\n`)
  ),
  clientSecret: fc.constant(slots.secret),
  scope: fc.option(scopeTextArb, { nil: undefined }),
  orgIds: fc.option(
    fc
      .tuple(fc.array(hexId, { maxLength: 3 }), fc.constantFrom(',', ' ', ', '))
      .map(([ids, separator]) => ids.join(separator)),
    { nil: undefined }
  ),
  authorizedOrgs: fc.option(
    fc.oneof(
      fc.array(fc.constantFrom('huggingface', 'Acme-Lab', 'my.org', '0123456789abcdef01234567'), {
        maxLength: 3,
      }),
      fc.constantFrom('huggingface', 'huggingface, acme', '')
    ),
    { nil: undefined }
  ),
  hubUrl: fc.option(
    fc.constantFrom(
      slots.hub,
      'https://huggingface.co',
      'https://hub.example/',
      'https://hub.example/base//',
      'http://localhost:8080',
      'http://[::1]:9',
      'http://127.0.0.2'
    ),
    { nil: undefined }
  ),
  requestTimeoutMs: fc.option(
    fc.oneof(
      fc.integer({ min: 500, max: 30_000 }),
      fc.integer({ min: 500, max: 30_000 }).map(String)
    ),
    { nil: undefined }
  ),
});

const configKeys = [
  'clientId',
  'clientSecret',
  'scope',
  'orgIds',
  'authorizedOrgs',
  'hubUrl',
  'requestTimeoutMs',
] as const;

/** Hostile values for one config field, as JSON text. */
const hostileConfigValueArb = fc.oneof(
  anyJsonArb.map((value) => jsonText(value)),
  hugeTextArb([5000, 100_000]).map((text) => JSON.stringify(text)),
  fc.constantFrom(
    'null',
    '0',
    '-1',
    '499',
    '30001',
    '600.5',
    '[600]',
    'true',
    '{"toString":1,"valueOf":1}',
    '{"__proto__":{"clientSecret":"x"}}',
    '{"constructor":{"prototype":{"polluted":true}}}'
  ),
  stringValue(
    fc.constantFrom(
      '',
      ' ',
      '\t\n',
      'null',
      'undefined',
      '1e3',
      '0x258',
      ' 600 ',
      'NaN',
      'Infinity',
      'http://evil.example',
      'https://user:pass@huggingface.co',
      'https://huggingface.co/?q=1',
      'https://huggingface.co/#fragment',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'http://127.0.0.1.evil.example',
      'http://localhost.evil.example',
      'ftp://huggingface.co',
      '//huggingface.co',
      'openid,profile',
      'profile profile',
      'admin',
      'g'.repeat(24),
      '../../etc',
      '\u0000',
      '🤗',
      'ＨＴＴＰＳ://huggingface.co'
    )
  )
);

type ConfigCase = { throws: true } | { throws: false; text: string };

const mutatedConfigArb = fc
  .tuple(
    baseConfigArb,
    fc.oneof(
      fc.record({ key: fc.constantFrom(...configKeys), action: fc.constant<'delete'>('delete') }),
      fc.record({
        key: fc.oneof(fc.constantFrom(...configKeys), trickyKeyArb),
        action: fc.constant<'set'>('set'),
        value: hostileConfigValueArb,
      }),
      fc.record({ key: fc.constant('none'), action: fc.constant<'keep'>('keep') })
    )
  )
  .map(([base, mutation]): ConfigCase => {
    const entries = Object.entries(base)
      .filter(([, value]) => value !== undefined)
      .filter(([key]) => !(mutation.action === 'delete' && key === mutation.key))
      .map(([key, value]): [string, string] => [key, jsonText(value)]);
    if (mutation.action === 'set') {
      // Written last, so it replaces the field; `__proto__` becomes an own key, as in JSON.parse.
      entries.push([mutation.key, mutation.value]);
    }
    return { throws: false, text: objectText(entries) };
  });

const configArb: fc.Arbitrary<ConfigCase> = fc.oneof(
  { arbitrary: mutatedConfigArb, weight: 8 },
  {
    arbitrary: anyJsonArb.map((value): ConfigCase => ({ throws: false, text: jsonText(value) })),
    weight: 2,
  },
  { arbitrary: fc.constant<ConfigCase>({ throws: true }), weight: 1 }
);

const isLoopbackUrl = (url: URL) =>
  ['localhost', '[::1]'].includes(url.hostname) || /^127(?:\.\d{1,3}){3}$/.test(url.hostname);

/** Configs no valid reading may accept, decided without the connector's guard. */
const mustBeRejected = (config: unknown): boolean => {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return true;
  }
  const {
    clientId: id,
    clientSecret: secret,
    hubUrl,
    requestTimeoutMs: timeout,
  } = config as Record<string, unknown>;
  const isBlank = (value: unknown) => typeof value !== 'string' || value.trim() === '';
  if (isBlank(id) || isBlank(secret)) {
    return true;
  }
  if (typeof hubUrl === 'string' && URL.canParse(hubUrl.trim())) {
    const url = new URL(hubUrl.trim());
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
      return true;
    }
  }
  return (
    typeof timeout === 'number' &&
    (timeout < 500 || timeout > 30_000 || !Number.isInteger(timeout))
  );
};

// ---------------------------------------------------------------------------------------------
// (c) Token and userinfo answers.

const contentTypeArb = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/html',
  'text/plain; charset=iso-8859-1',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  ''
);

const oauthErrorBodyArb = (echoed: string[]) =>
  fc
  .record({
    error: fc.oneof(
      stringValue(
        fc.constantFrom(
          'invalid_grant',
          'invalid_client',
          'invalid_request',
          'unauthorized_client',
          'server_error'
        )
      ),
      stringValue(echoTextArb(echoed)),
      nonStringJsonArb.map((value) => jsonText(value))
    ),
    description: fc.option(stringValue(echoTextArb(echoed)), { nil: undefined }),
  })
  .map(({ error, description }) =>
    objectText([
      ['error', error],
      ...(description ? [['error_description', description] as [string, string]] : []),
    ])
  );

/** Bodies of any shape that are not built as a success. */
const garbageBodyArb = (validBody: fc.Arbitrary<string>, echoed: string[]) =>
  fc.oneof(
    anyJsonArb.map((value) => jsonText(value)),
    validBody.chain((text) =>
      fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut))
    ),
    fc.constant(''),
    echoTextArb(echoed).map((text) => `<html><body>Bad request: ${text}</body></html>`),
    echoTextArb(echoed),
    oauthErrorBodyArb(echoed),
    hugeTextArb([200_000]).map((text) => JSON.stringify(text)),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1'))
  );

const tokenFieldEntries = fc.record({
  tokenType: fc.constantFrom('bearer', 'Bearer', 'BEARER'),
  expiresIn: fc.option(
    fc.oneof(
      fc.nat().map(String),
      fc.nat().map((value) => JSON.stringify(String(value)))
    ),
    { nil: undefined }
  ),
  scope: fc.option(stringValue(fc.constantFrom('profile', 'openid profile email', '')), {
    nil: undefined,
  }),
  refresh: fc.boolean(),
  idToken: fc.boolean(),
});

const validTokenBodyArb = (withIdToken: 'never' | 'maybe') =>
  fc.tuple(tokenFieldEntries, extraEntriesArb(fc.constantFrom('foo'))).map(([fields, extras]) => {
    const entries: Array<[string, string | undefined]> = [
      ...extras,
      ['access_token', JSON.stringify(slots.access)],
      ['token_type', JSON.stringify(fields.tokenType)],
      ['expires_in', fields.expiresIn],
      ['scope', fields.scope],
      ['refresh_token', fields.refresh ? JSON.stringify(slots.refresh) : undefined],
      [
        'id_token',
        withIdToken === 'maybe' && fields.idToken ? JSON.stringify(slots.idToken) : undefined,
      ],
    ];
    return objectText(entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
  });

/** A success body with one field replaced or removed. */
const mutatedTokenBodyArb = fc
  .tuple(
    fc.constantFrom('access_token', 'token_type', 'expires_in', 'scope', 'refresh_token', 'id_token'),
    fc.option(
      fc.oneof(
        anyJsonArb,
        fc.constantFrom<unknown>('', 0, -1, '12a', '-5', 'mac', 'bearer ', null, [], {}, 1.5)
      ),
      { nil: undefined }
    )
  )
  .map(([key, value]) => {
    const fields: Record<string, string> = {
      access_token: JSON.stringify(slots.access),
      token_type: '"bearer"',
      expires_in: '3600',
      scope: '"profile"',
      refresh_token: JSON.stringify(slots.refresh),
    };
    delete fields[key];
    const entries = Object.entries(fields);
    if (value !== undefined) {
      entries.push([key, jsonText(value)]);
    }
    return objectText(entries);
  });

const subArb = fc.oneof(
  fc.constant(fixedSub),
  fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }).filter((text) => text.trim() !== ''),
  hexId
);

const validUserInfoBodyArb = fc
  .record({
    sub: subArb,
    name: fc.option(fc.oneof(anyTextArb, anyJsonArb), { nil: undefined }),
    preferred_username: fc.option(anyTextArb, { nil: undefined }),
    picture: fc.option(fc.oneof(fc.webUrl(), anyJsonArb), { nil: undefined }),
    email: fc.option(fc.oneof(fc.emailAddress(), anyTextArb, anyJsonArb), { nil: undefined }),
    email_verified: fc.option(fc.oneof(fc.boolean(), fc.constantFrom<unknown>('true', 1, null)), {
      nil: undefined,
    }),
    isPro: fc.option(fc.boolean(), { nil: undefined }),
    orgs: fc.option(fc.array(anyJsonArb, { maxLength: 3 }), { nil: undefined }),
    extras: extraEntriesArb(fc.constantFrom('sub', 'email', 'email_verified')),
  })
  .map(({ extras, ...fields }) =>
    objectText([
      ...Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]): [string, string] => [key, jsonText(value)]),
      ...extras,
    ])
  );

/** A userinfo whose `sub` is missing, blank or not text. */
const mutatedUserInfoBodyArb = fc
  .tuple(
    fc.option(fc.oneof(nonStringJsonArb, fc.constantFrom<unknown>('', '   ', '\n')), {
      nil: undefined,
    }),
    anyTextArb
  )
  .map(([sub, name]) =>
    objectText([
      ['name', JSON.stringify(name)],
      ...(sub === undefined ? [] : [['sub', jsonText(sub)] as [string, string]]),
    ])
  );

/** A body: its text (with slots) and, sometimes, a size to pad a JSON object to around the cap. */
type BodySpec = { text: string; padTo?: number };

const bodySpecArb = (
  valid: fc.Arbitrary<string>,
  mutated: fc.Arbitrary<string>,
  echoed: string[],
  validWeight: number
): fc.Arbitrary<BodySpec> =>
  fc.record({
    text: fc.oneof(
      { arbitrary: valid, weight: validWeight },
      { arbitrary: mutated, weight: 2 },
      { arbitrary: garbageBodyArb(valid, echoed), weight: 3 }
    ),
    padTo: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 30 },
      {
        arbitrary: fc.constantFrom(
          maxResponseBytes - 1,
          maxResponseBytes,
          maxResponseBytes + 1,
          maxResponseBytes + 4096,
          2 * maxResponseBytes
        ),
        weight: 1,
      }
    ),
  });

type AnswerSpec = {
  answer: ScriptedAnswer;
  padTo?: number;
};

const answerArb = (
  status: fc.Arbitrary<number>,
  body: fc.Arbitrary<BodySpec>
): fc.Arbitrary<AnswerSpec> =>
  fc
    .record({
      status,
      body,
      contentType: contentTypeArb,
      chunked: fc.boolean(),
      retryAfter: fc.constantFrom('0', '0.0', 'Wed, 21 Oct 2015 07:28:00 GMT'),
    })
    .map(({ status: code, body: spec, contentType, chunked, retryAfter }) => ({
      answer: {
        status: code,
        headers: {
          ...(contentType && { 'content-type': contentType }),
          // Retries of 429 and 5xx then follow at once, which keeps thousands of cases fast.
          ...(isRetryable(code) && { 'retry-after': retryAfter }),
        },
        body: spec.text,
        chunked,
      },
      ...(spec.padTo !== undefined && { padTo: spec.padTo }),
    }));

const finalStatusArb = fc.oneof(
  { arbitrary: fc.constant(200), weight: 5 },
  { arbitrary: fc.integer({ min: 200, max: 599 }), weight: 3 },
  { arbitrary: fc.constantFrom(400, 401, 403, 404, 429, 500, 502, 503), weight: 2 }
);

/** Final statuses for the mixed property, biased to success so that later steps are reached. */
const mostlySuccessfulStatusArb = fc.oneof(
  { arbitrary: fc.constant(200), weight: 12 },
  { arbitrary: finalStatusArb, weight: 5 }
);

const tokenBodySpecArb = (idToken: 'never' | 'maybe', validWeight = 6) =>
  bodySpecArb(validTokenBodyArb(idToken), mutatedTokenBodyArb, tokenEndpointEchoes, validWeight);
const userInfoBodySpecArb = (validWeight = 6) =>
  bodySpecArb(validUserInfoBodyArb, mutatedUserInfoBodyArb, userInfoEndpointEchoes, validWeight);

/**
 * An answer whose status is `status`. A 1xx other than 101 cannot be final (see the file
 * comment): it goes before a generated final answer.
 */
const answerWithStatusArb = (
  status: number,
  body: fc.Arbitrary<BodySpec>
): fc.Arbitrary<AnswerSpec> => {
  if (status >= 100 && status < 200 && status !== 101) {
    return answerArb(finalStatusArb, body).map((spec) => ({
      ...spec,
      answer: { ...spec.answer, informational: [status] },
    }));
  }
  return answerArb(fc.constant(status), body);
};

type IdTokenKind = 'valid' | 'other-subject' | 'other-key' | 'wrong-nonce' | 'malformed';

const signIdToken = async (kind: IdTokenKind, subject: string, nonce: string | undefined) => {
  if (kind === 'malformed') {
    return 'eyJhbGciOiJSUzI1NiJ9.not-a-payload.sig';
  }
  const claims = { nonce: kind === 'wrong-nonce' ? 'another-nonce' : nonce, name: 'Hostile Tester' };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: jwtKeyId })
    .setIssuer(server.url)
    .setAudience(clientId)
    .setSubject(kind === 'other-subject' ? `${subject}-other` : subject)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(kind === 'other-key' ? strangerKey : signingKey);
};

type ResponseCase = {
  hfShapedTokens: boolean;
  scope: string;
  idTokenKind: IdTokenKind;
  token: AnswerSpec;
  userInfo: AnswerSpec[];
};

/** Runs one sign-in against scripted answers, checks it against the model and says how it ended. */
const runResponseCase = async (responseCase: ResponseCase): Promise<string> => {
  const secrets = freshSecrets(responseCase.hfShapedTokens);
  useConfig(configFor(secrets, responseCase.scope));
  const signIn = await startSignIn(connector);
  const userInfoAnswers = responseCase.userInfo.map(({ answer, padTo }) =>
    fillAnswer(answer, {}, padTo)
  );
  const userInfoModel = expectUserInfoStep(userInfoAnswers);
  const subject = 'sub' in userInfoModel ? userInfoModel.sub : fixedSub;
  const carriesIdToken = String(responseCase.token.answer.body ?? '').includes(slots.idToken);
  const idToken = carriesIdToken
    ? await signIdToken(responseCase.idTokenKind, subject, signIn.nonce)
    : undefined;
  const values: SlotValues = { ...secrets, verifier: signIn.codeVerifier, idToken };
  program({
    token: fillAnswer(responseCase.token.answer, values, responseCase.token.padTo),
    userInfo: userInfoAnswers.map((answer) => fillAnswer(answer, values)),
  });

  const outcome = await settle(
    connector.getUserInfo(
      { code: secrets.code, redirectUri: 'https://elsewhere.test/callback' },
      signIn.store.getSession
    )
  );

  const expected = ((): Expected => {
    const tokenEnd = expectTokenStep(script.token);
    if (tokenEnd) {
      return { outcome: tokenEnd };
    }
    const tokenBody = parseObject(deliveredBody(script.token).toString('utf8'))!;
    const openid = responseCase.scope.split(' ').includes('openid');
    const isOurIdToken =
      tokenBody.id_token === idToken &&
      ['valid', 'other-subject'].includes(responseCase.idTokenKind);
    // Any ID token is verified and one is owed for openid; only ours, in an openid sign-in
    // (which saved a nonce), can pass.
    if (tokenBody.id_token === undefined ? openid : !openid || !isOurIdToken) {
      return { outcome: ConnectorErrorCodes.SocialIdTokenInvalid };
    }
    const userInfoEnd = expectUserInfoStep(script.userInfo);
    if ('code' in userInfoEnd) {
      return { outcome: userInfoEnd.code };
    }
    if (tokenBody.id_token !== undefined && responseCase.idTokenKind === 'other-subject') {
      return { outcome: ConnectorErrorCodes.SocialIdTokenInvalid };
    }
    return { outcome: 'resolved', id: userInfoEnd.sub };
  })();

  // Tokens count as received when the token body could be read, or when they look like Hugging
  // Face's; a token inside a truncated body of another shape cannot be recognised as one.
  const tokensReceived =
    responseCase.hfShapedTokens ||
    parseObject(deliveredBody(script.token).toString('utf8')) !== undefined;
  expectContract(outcome, expected, {
    clientSecret: secrets.secret,
    code: secrets.code,
    codeVerifier: signIn.codeVerifier,
    ...(tokensReceived && { accessToken: secrets.access, refreshToken: secrets.refresh }),
  });
  // The token request is never repeated: a code is single use.
  expect(requestsTo('/oauth/token')).toHaveLength(1);
  return classify(outcome);
};

// ---------------------------------------------------------------------------------------------

describe('hostile input', () => {
  it('survives any callback data after a real getAuthorizationUri', async () => {
    await fc.assert(
      fc.asyncProperty(callbackArb, async (template) => {
        executed.callback += 1;
        const secrets = freshSecrets();
        useConfig(configFor(secrets));
        const signIn = await startSignIn(connector);
        program({
          token: fillAnswer(validTokenAnswer(), secrets),
          userInfo: [validUserInfoAnswer()],
        });
        const data: unknown = JSON.parse(
          fill(template, { code: secrets.code, state: signIn.state })
        );

        const outcome = await settle(connector.getUserInfo(data, signIn.store.getSession));

        const expected = expectCallback(data, signIn.state);
        countEnding('callback', classify(outcome));
        expectContract(outcome, expected, {
          clientSecret: secrets.secret,
          // A code counts as sent only when it is the callback's `code` (keys may repeat).
          ...((data as { code?: unknown } | null)?.code === secrets.code && { code: secrets.code }),
          codeVerifier: signIn.codeVerifier,
          accessToken: secrets.access,
          refreshToken: secrets.refresh,
        });
        const tokenRequests = requestsTo('/oauth/token');
        if (expected.outcome !== 'resolved') {
          expect(tokenRequests).toHaveLength(0);
          return;
        }
        expect(tokenRequests).toHaveLength(1);
        expect(tokenRequests[0]!.headers.authorization).toBe(
          `Basic ${Buffer.from(`${clientId}:${secrets.secret}`).toString('base64')}`
        );
        expect(Object.fromEntries(new URLSearchParams(tokenRequests[0]!.body))).toEqual({
          grant_type: 'authorization_code',
          code: asSent((data as { code: string }).code),
          redirect_uri: redirectUri,
          code_verifier: signIn.codeVerifier,
        });
      }),
      { numRuns: generatedCases.callback }
    );
    expect(executed.callback).toBeGreaterThanOrEqual(generatedCases.callback);
    expectEndings('callback', [
      'resolved',
      ConnectorErrorCodes.InvalidRequestParameters,
      ConnectorErrorCodes.AuthorizationFailed,
      ConnectorErrorCodes.InvalidConfig,
      ConnectorErrorCodes.General,
    ]);
  }, 120_000);

  it('survives any config returned by getConfig', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, async (configCase) => {
        executed.config += 1;
        const secret = distinctive('secret');
        const state = distinctive('state');
        const config: unknown = configCase.throws
          ? new Error(`storage unavailable ${secret}`)
          : JSON.parse(fill(configCase.text, { secret, hub: server.url }));
        useConfig(config);
        program({ token: { status: 500 }, userInfo: [{ status: 500 }] });

        let parsed: ReturnType<typeof huggingFaceConfigGuard.safeParse> | undefined;
        if (!configCase.throws) {
          // Logto's console validates with the same guard: it must answer, never throw.
          expect(() => {
            parsed = huggingFaceConfigGuard.safeParse(config);
          }).not.toThrow();
        }
        const valid = parsed?.success === true;
        if (!configCase.throws && mustBeRejected(config)) {
          expect(valid).toBe(false);
        }

        const secrets = { clientSecret: secret };
        const store = createLogtoSessionStore();
        const authorization = await settle(
          connector.getAuthorizationUri(
            {
              state,
              redirectUri,
              connectorId: 'hf',
              connectorFactoryId: 'hf',
              jti: 'jti',
              headers: {},
            },
            store.setSession
          )
        );
        // A cancelled sign-in needs no network, whatever hub the config names.
        const callback = await settle(
          connector.getUserInfo({ error: 'access_denied', state }, store.getSession)
        );
        countEnding(
          'config',
          authorization.settled === 'resolved' ? 'resolved' : classify(authorization)
        );

        if (configCase.throws) {
          expectContract(authorization, { outcome: ConnectorErrorCodes.General }, secrets);
          expectContract(callback, { outcome: ConnectorErrorCodes.General }, secrets);
          return;
        }
        if (!valid) {
          expectContract(authorization, { outcome: ConnectorErrorCodes.InvalidConfig }, secrets);
          expectContract(callback, { outcome: ConnectorErrorCodes.InvalidConfig }, secrets);
          expect((authorization as { error: ConnectorError }).error.data).toMatchObject({
            errorDescription: expect.stringContaining(
              "The Hugging Face connector's config is invalid."
            ),
          });
          return;
        }
        expect(authorization.settled).toBe('resolved');
        expectContract(callback, { outcome: ConnectorErrorCodes.AuthorizationFailed }, secrets);
        const url = new URL((authorization as { value: string }).value);
        const isSafeOrigin =
          url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url));
        expect(isSafeOrigin).toBe(true);
        expect(url.username + url.password).toBe('');
        expect(url.pathname.endsWith('/oauth/authorize')).toBe(true);
        expect(url.href.includes(secret)).toBe(false);
        const { clientId: configuredId } = config as { clientId: string };
        expect(url.searchParams.get('client_id')).toBe(asSent(configuredId.trim()));
        expect(url.searchParams.get('state')).toBe(state);
        expect(url.searchParams.get('code_challenge_method')).toBe('S256');
        // The verifier stays in the session; only its S256 challenge travels.
        const { codeVerifier } = store.saved() as { codeVerifier: string };
        expect(url.searchParams.get('code_challenge')).toBe(
          createHash('sha256').update(codeVerifier).digest('base64url')
        );
        expect(url.href.includes(codeVerifier)).toBe(false);
        expect(server.requests).toHaveLength(0);
      }),
      {
        numRuns: generatedCases.config,
        // Coercing this object to a number throws: the guard must report it, not crash.
        examples: [
          [
            {
              throws: false,
              text: objectText([
                ['clientId', '"a"'],
                ['clientSecret', JSON.stringify(slots.secret)],
                ['requestTimeoutMs', '{"toString":1,"valueOf":1}'],
              ]),
            },
          ],
        ],
      }
    );
    expect(executed.config).toBeGreaterThanOrEqual(generatedCases.config);
    expectEndings('config', [
      'resolved',
      ConnectorErrorCodes.InvalidConfig,
      ConnectorErrorCodes.General,
    ]);
  }, 120_000);

  it('survives every token endpoint status from 100 to 599 with bodies of any shape', async () => {
    for (const status of allStatuses) {
      // eslint-disable-next-line no-await-in-loop
      await fc.assert(
        fc.asyncProperty(
          answerWithStatusArb(status, tokenBodySpecArb('never')),
          fc.boolean(),
          async (token, hfShapedTokens) => {
            executed.tokenStatuses += 1;
            const ending = await runResponseCase({
              hfShapedTokens,
              scope: 'profile',
              idTokenKind: 'valid',
              token,
              userInfo: [{ answer: validUserInfoAnswer() }],
            });
            countEnding('tokenStatuses', ending);
          }
        ),
        { numRuns: generatedCases.perStatus }
      );
    }
    const perSweep = allStatuses.length * generatedCases.perStatus;
    expect(executed.tokenStatuses).toBeGreaterThanOrEqual(perSweep);
    // 401 always gives InvalidConfig; rarer endings (invalid_grant) are left to chance.
    expectEndings('tokenStatuses', [
      'resolved',
      ConnectorErrorCodes.InvalidResponse,
      ConnectorErrorCodes.InvalidConfig,
      ConnectorErrorCodes.General,
    ]);
  }, 120_000);

  it('survives every userinfo endpoint status from 100 to 599 with bodies of any shape', async () => {
    for (const status of allStatuses) {
      // eslint-disable-next-line no-await-in-loop
      await fc.assert(
        fc.asyncProperty(
          answerWithStatusArb(status, userInfoBodySpecArb()),
          fc.boolean(),
          async (userInfo, hfShapedTokens) => {
            executed.userInfoStatuses += 1;
            const ending = await runResponseCase({
              hfShapedTokens,
              scope: 'profile',
              idTokenKind: 'valid',
              token: { answer: validTokenAnswer() },
              userInfo: [userInfo],
            });
            countEnding('userInfoStatuses', ending);
          }
        ),
        { numRuns: generatedCases.perStatus }
      );
    }
    const perSweep = allStatuses.length * generatedCases.perStatus;
    expect(executed.userInfoStatuses).toBeGreaterThanOrEqual(perSweep);
    expectEndings('userInfoStatuses', [
      'resolved',
      ConnectorErrorCodes.SocialAccessTokenInvalid,
      ConnectorErrorCodes.InvalidResponse,
      ConnectorErrorCodes.General,
    ]);
  }, 120_000);

  it('survives mixed token, ID token and userinfo answers, retries included', async () => {
    const userInfoAnswerArb = fc
      .tuple(
        answerArb(mostlySuccessfulStatusArb, userInfoBodySpecArb(20)),
        fc.option(fc.constantFrom(100, 102, 103, 150), { nil: undefined })
      )
      .map(([spec, interim]) =>
        interim === undefined
          ? spec
          : { ...spec, answer: { ...spec.answer, informational: [interim] } }
      );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          hfShapedTokens: fc.boolean(),
          scope: fc.constantFrom('profile', 'openid profile', 'openid profile email'),
          idTokenKind: fc.oneof(
            { arbitrary: fc.constant<IdTokenKind>('valid'), weight: 6 },
            {
              arbitrary: fc.constantFrom<IdTokenKind>(
                'other-subject',
                'other-key',
                'wrong-nonce',
                'malformed'
              ),
              weight: 4,
            }
          ),
          token: answerArb(mostlySuccessfulStatusArb, tokenBodySpecArb('maybe', 20)),
          userInfo: fc.array(userInfoAnswerArb, { minLength: 1, maxLength: 3 }),
        }),
        async (responseCase) => {
          executed.mixedAnswers += 1;
          countEnding('mixedAnswers', await runResponseCase(responseCase));
        }
      ),
      { numRuns: generatedCases.mixedAnswers }
    );
    expect(executed.mixedAnswers).toBeGreaterThanOrEqual(generatedCases.mixedAnswers);
    expectEndings('mixedAnswers', [
      'resolved',
      ConnectorErrorCodes.SocialIdTokenInvalid,
      ConnectorErrorCodes.InvalidResponse,
      ConnectorErrorCodes.General,
    ]);
  }, 120_000);

  it(`ran at least ${minimumGeneratedCases} generated cases with no unhandled rejection`, async () => {
    await drainEventLoop();
    const total = Object.values(executed).reduce((sum, count) => sum + count, 0);
    expect(total).toBeGreaterThanOrEqual(minimumGeneratedCases);
    expect(rejections.seen).toEqual([]);
  });
});
