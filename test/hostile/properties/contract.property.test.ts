/**
 * The hostile-input contract over generated cases, each a sign-in of the built connector against a
 * loopback Hugging Face whose answers the case scripts: it ends as the model says (`model.ts`:
 * RFC 6749, OpenID Connect Core, Hugging Face's documentation and the README), with a known code,
 * no secret in the error in any form it travelled, and no control character in a reflected text.
 */
import { createHash } from 'node:crypto';

import { type ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { huggingFaceConfigGuard } from '../../../lib/index.js';
import {
  clientId,
  createSigningKey,
  jwksOf,
  logtoCallbackUri,
  type SigningKey,
  signIdToken,
  type StartedSignIn,
  startSignIn,
  tokenSuccess,
  userId,
  validIdTokenClaims,
} from '../../support/kit.js';
import {
  builtConnector,
  classify,
  deliveredBody,
  distinctive,
  type HostileAnswer,
  leakedSecrets,
  type Outcome,
  sendAnswer,
  settle,
  useLoopbackServer,
} from '../support.js';

import {
  answerArb,
  answerWithStatusArb,
  asSent,
  callbackArb,
  type CaseSecrets,
  configArb,
  fill,
  freshSecrets,
  mostlySuccessfulStatusArb,
  secretForms,
  type SlotValues,
  slots,
  tokenBodyArb,
  userInfoBodyArb,
} from './generators.js';
import {
  controlCharacterPattern,
  type Expected,
  expectCallback,
  expectSignIn,
  expectUserInfoStep,
  type IdTokenKind,
  longestErrorDescription,
  mustBeRejected,
  only,
  parseObject,
} from './model.js';

/** Generated cases; SECURITY.md cites these numbers. */
const cases = { callbacks: 3500, configs: 3500, perStatus: 3, mixed: 1000 };

/** No case waits for time; the margin is for a machine as busy as it gets. */
const timeoutMs = 600_000;

/**
 * Per-attempt time limit every case configures: the largest allowed, since no scripted answer is
 * late and no case may run out of time because the machine is busy.
 */
const requestTimeoutMs = 30_000;

/** RFC 8252 8.3 and the README: plain http only for a loopback host. */
const loopbackHosts = new Set(['localhost', '[::1]', '127.0.0.1', '127.0.0.2']);

const jsonHeaders = { 'content-type': 'application/json' };

/** A valid token answer carrying the case's access and refresh tokens. */
const validTokenAnswer = (): HostileAnswer => ({
  status: 200,
  headers: jsonHeaders,
  body: JSON.stringify({ ...tokenSuccess, access_token: slots.access, refresh_token: slots.refresh }),
});

/** A valid userinfo of the kit's user. */
const validUserInfoAnswer = (): HostileAnswer => ({
  status: 200,
  headers: jsonHeaders,
  body: JSON.stringify({ sub: userId, name: 'Hostile Tester', preferred_username: 'hostile' }),
});

/** Fills an answer's slots with the case's secrets, in every form the client secret travels in. */
const fillAnswer = (answer: HostileAnswer, secrets: CaseSecrets, extra: SlotValues = {}): HostileAnswer => {
  const forms = secretForms(secrets.secret);
  const basic = `Basic ${forms.basicCredentials}`;
  const values = { ...secrets, encodedSecret: forms.clientSecretFormEncoded, basic, ...extra };
  return typeof answer.body === 'string' ? { ...answer, body: fill(answer.body, values) } : answer;
};

/**
 * Checks one outcome against the model, the secrecy rule and the reflection rule: a known code
 * the model allows, no secret in any form, a short message without control characters; a user
 * Logto can keep as JSON, with an email only when verified.
 */
const expectContract = (
  outcome: Outcome,
  expected: Expected,
  { clientSecret, ...secrets }: Record<string, string | undefined> & { clientSecret: string }
) => {
  const ending = classify(outcome);
  expect('resolved' in expected ? ['resolved'] : expected.codes).toContain(ending);
  if (outcome.settled === 'rejected') {
    expect(leakedSecrets(outcome.error, { ...secrets, ...secretForms(clientSecret) })).toEqual([]);
    const data = (outcome.error as ConnectorError).data as Record<string, unknown>;
    for (const text of [data.errorDescription, data.error, data.error_description]) {
      if (text !== undefined) {
        expect(text).toEqual(expect.any(String));
        expect(text).not.toMatch(controlCharacterPattern);
        expect((text as string).length).toBeLessThanOrEqual(longestErrorDescription);
      }
    }
  }
  if (outcome.settled === 'resolved' && 'resolved' in expected) {
    const userInfo = outcome.value as { id: string; email?: string; rawData?: Record<string, unknown> };
    expect(userInfo.id).toBe(expected.resolved);
    expect(() => JSON.stringify(userInfo)).not.toThrow();
    if (userInfo.email !== undefined) {
      expect(userInfo.rawData?.email_verified).toBe(true);
    }
  }
};

const stage = useLoopbackServer();
let script: { token: HostileAnswer; userInfo: HostileAnswer[] } = {
  token: { status: 500 },
  userInfo: [{ status: 500 }],
};
let userInfoAttempts = 0;
let signingKey: SigningKey;
let strangerKey: SigningKey;

beforeAll(async () => {
  signingKey = await createSigningKey('hostile-key');
  strangerKey = await createSigningKey('hostile-key');
  const jwks: HostileAnswer = { status: 200, headers: jsonHeaders, body: jwksOf(signingKey) };
  stage.server.handle((request, response) => {
    if (request.path === '/oauth/userinfo') {
      userInfoAttempts += 1;
      const last = script.userInfo.length - 1;
      sendAnswer(response, script.userInfo[Math.min(userInfoAttempts - 1, last)] ?? { status: 500 });
      return;
    }
    const answers: Record<string, HostileAnswer> = { '/oauth/token': script.token, '/oauth/jwks': jwks };
    sendAnswer(response, answers[request.path] ?? { status: 404 });
  });
});

/** Sets the token and userinfo answers of the next case and forgets earlier requests. */
const program = (next: typeof script) => {
  script = next;
  userInfoAttempts = 0;
  stage.server.requests.length = 0;
};

const tokenRequests = () => stage.server.requests.filter((request) => request.path === '/oauth/token');

/** Starts a sign-in on a connector configured with this hub, the case's secret and `scope`. */
const startCase = async (secrets: CaseSecrets, scope = 'profile'): Promise<StartedSignIn> => {
  const { url: hubUrl } = stage.server;
  const config = { clientId, clientSecret: secrets.secret, hubUrl, requestTimeoutMs, scope };
  return startSignIn({ connector: await builtConnector(config), hubUrl });
};

const idTokenFor = async (kind: IdTokenKind, subject: string, signIn: StartedSignIn) => {
  if (kind === 'malformed') {
    return 'eyJhbGciOiJSUzI1NiJ9.not-a-payload.sig';
  }
  const claims = validIdTokenClaims(signIn, kind === 'other-subject' ? `${subject}-other` : subject);
  const { privateKey, kid } = kind === 'other-key' ? strangerKey : signingKey;
  const nonce = kind === 'wrong-nonce' ? 'another-nonce' : claims.nonce;
  return signIdToken({ ...claims, nonce }, { key: privateKey, kid });
};

type ResponseCase = {
  hfShapedTokens: boolean;
  scope: string;
  idTokenKind: IdTokenKind;
  token: HostileAnswer;
  userInfo: HostileAnswer[];
};

/** Runs one sign-in against scripted answers, checks it against the model, says how it ended. */
const runResponseCase = async (responseCase: ResponseCase) => {
  const { hfShapedTokens, scope, idTokenKind, token, userInfo } = responseCase;
  const secrets = freshSecrets(hfShapedTokens);
  const signIn = await startCase(secrets, scope);
  const values = { verifier: signIn.codeVerifier };
  const userInfoAnswers = userInfo.map((answer) => fillAnswer(answer, secrets, values));
  const userInfoEnd = expectUserInfoStep(userInfoAnswers);
  const { body } = token;
  const idToken =
    typeof body === 'string' && body.includes(slots.idToken)
      ? await idTokenFor(idTokenKind, 'sub' in userInfoEnd ? userInfoEnd.sub : userId, signIn)
      : undefined;
  program({
    token: fillAnswer(token, secrets, { ...values, idToken }),
    userInfo: userInfoAnswers,
  });

  const outcome = await settle(signIn.finish({ ...signIn.signInPagePost, code: secrets.code }));

  const expected = expectSignIn({
    ...script,
    scope,
    ...(idToken !== undefined && { idToken: { value: idToken, kind: idTokenKind } }),
  });
  // Tokens count as received when the token body could be read, or when they look like
  // Hugging Face's; a token inside a truncated body of another shape cannot be recognised.
  const tokensReceived =
    hfShapedTokens || parseObject(deliveredBody(script.token).toString('utf8')) !== undefined;
  expectContract(outcome, expected, {
    clientSecret: secrets.secret,
    code: secrets.code,
    codeVerifier: signIn.codeVerifier,
    ...(tokensReceived && { accessToken: secrets.access, refreshToken: secrets.refresh }),
  });
  // The token request is never repeated: a code is single use.
  expect(tokenRequests()).toHaveLength(1);
  return classify(outcome);
};


describe('hostile callback data', () => {
  it('ends every callback as RFC 6749 4.1.2 says, after a real getAuthorizationUri', async () => {
    // How the cases ended: a generator that never reaches a path is noticed.
    const endings = new Set<string>();
    await fc.assert(
      fc.asyncProperty(callbackArb, async (template) => {
        const secrets = freshSecrets();
        const signIn = await startCase(secrets);
        program({ token: fillAnswer(validTokenAnswer(), secrets), userInfo: [validUserInfoAnswer()] });
        const data: unknown = JSON.parse(fill(template, { code: secrets.code, state: signIn.state }));

        const outcome = await settle(signIn.connector.getUserInfo(data, signIn.store.getSession));

        const expected = expectCallback(data, signIn.state, userId);
        endings.add(classify(outcome));
        expectContract(outcome, expected, {
          clientSecret: secrets.secret,
          // A code counts as sent only when it is the callback's `code` (keys may repeat).
          ...((data as { code?: unknown } | null)?.code === secrets.code && { code: secrets.code }),
          codeVerifier: signIn.codeVerifier,
          accessToken: secrets.access,
          refreshToken: secrets.refresh,
        });
        const requests = tokenRequests();
        expect(requests).toHaveLength('resolved' in expected ? 1 : 0);
        if ('resolved' in expected) {
          // RFC 6749 2.3.1: client_secret_basic with both parts form-encoded.
          const basic = `Basic ${secretForms(secrets.secret).basicCredentials}`;
          expect(requests[0]?.headers.authorization).toBe(basic);
          expect(Object.fromEntries(new URLSearchParams(requests[0]?.body))).toEqual({
            grant_type: 'authorization_code',
            code: asSent((data as { code: string }).code),
            redirect_uri: logtoCallbackUri,
            code_verifier: signIn.codeVerifier,
          });
        }
      }),
      { numRuns: cases.callbacks }
    );
    expect([...endings]).toEqual(expect.arrayContaining([
      'resolved',
      ConnectorErrorCodes.InvalidRequestParameters,
      ConnectorErrorCodes.AuthorizationFailed,
      ConnectorErrorCodes.InvalidConfig,
      ConnectorErrorCodes.General,
    ]));
  }, timeoutMs);
});

describe('hostile configs', () => {
  it('survives any config getConfig returns or throws; the guard refuses what the README does', async () => {
    const { server } = stage;
    const endings = new Set<string>();
    await fc.assert(
      fc.asyncProperty(configArb, async (text) => {
        const secret = distinctive('secret');
        const state = distinctive('state');
        const config: unknown =
          text === undefined
            ? new Error(`storage unavailable ${secret}`)
            : JSON.parse(fill(text, { secret, hub: server.url }));
        server.requests.length = 0;
        let parsed: { success: boolean } | undefined;
        if (text !== undefined) {
          // Logto's console validates with the same guard: it must answer, never throw.
          expect(() => (parsed = huggingFaceConfigGuard.safeParse(config))).not.toThrow();
        }
        const valid = parsed?.success === true;
        expect(valid && mustBeRejected(config, server.url)).toBe(false);

        const connector = await builtConnector(config);
        const authorization = await settle(startSignIn({ connector, hubUrl: server.url, state }));
        const started =
          authorization.settled === 'resolved' ? (authorization.value as StartedSignIn) : undefined;
        // A cancelled sign-in needs no network, whatever hub the config names.
        const getSession = started?.store.getSession ?? (() => Promise.resolve({}));
        const callback = await settle(connector.getUserInfo({ error: 'access_denied', state }, getSession));
        endings.add(started ? 'resolved' : classify(authorization));

        const secrets = { clientSecret: secret };
        if (!valid) {
          const code = text === undefined ? ConnectorErrorCodes.General : ConnectorErrorCodes.InvalidConfig;
          expectContract(authorization, only(code), secrets);
          expectContract(callback, only(code), secrets);
          const { data } = (authorization as { error: ConnectorError & { data: Record<string, string> } }).error;
          const invalid = "The Hugging Face connector's config is invalid.";
          expect(text === undefined || data.errorDescription?.includes(invalid)).toBe(true);
          return;
        }
        expect(authorization.settled).toBe('resolved');
        expectContract(callback, only(ConnectorErrorCodes.AuthorizationFailed), secrets);
        const { url, codeVerifier } = started!;
        const { protocol, hostname } = url;
        expect(protocol === 'https:' || (protocol === 'http:' && loopbackHosts.has(hostname))).toBe(true);
        expect(url.username + url.password).toBe('');
        expect(url.pathname.endsWith('/oauth/authorize')).toBe(true);
        expect(url.href.includes(secret) || url.href.includes(codeVerifier)).toBe(false);
        expect(Object.fromEntries(url.searchParams)).toMatchObject({
          client_id: asSent((config as { clientId: string }).clientId.trim()),
          state,
          code_challenge_method: 'S256',
          // RFC 7636 4.2: the verifier stays in the session; only its S256 challenge travels.
          code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
        });
        expect(server.requests).toHaveLength(0);
      }),
      {
        numRuns: cases.configs,
        // Coercing this object to a number throws: the guard must report it, not crash.
        examples: [
          [`{"clientId":"a","clientSecret":"${slots.secret}","requestTimeoutMs":{"toString":1,"valueOf":1}}`],
        ],
      }
    );
    const reached = ['resolved', ConnectorErrorCodes.InvalidConfig, ConnectorErrorCodes.General];
    expect([...endings]).toEqual(expect.arrayContaining(reached));
  }, timeoutMs);
});

describe('hostile answers of every status', () => {
  it.each([
    {
      endpoint: 'token',
      answerWithStatus: (status: number) => answerWithStatusArb(status, tokenBodyArb(false)),
      steps: (answer: HostileAnswer) => ({ token: answer, userInfo: [validUserInfoAnswer()] }),
      // A 401 always gives InvalidConfig; rarer endings (invalid_grant) are left to chance.
      reached: [ConnectorErrorCodes.InvalidResponse, ConnectorErrorCodes.InvalidConfig],
    },
    {
      endpoint: 'userinfo',
      answerWithStatus: (status: number) => answerWithStatusArb(status, userInfoBodyArb()),
      steps: (answer: HostileAnswer) => ({ token: validTokenAnswer(), userInfo: [answer] }),
      reached: [ConnectorErrorCodes.SocialAccessTokenInvalid, ConnectorErrorCodes.InvalidResponse],
    },
  ])('at the $endpoint endpoint, from 100 to 599, with bodies of any shape', async ({
    answerWithStatus,
    steps,
    reached,
  }) => {
    const endings = new Set<string>();
    for (let status = 100; status <= 599; status++) {
      // eslint-disable-next-line no-await-in-loop
      await fc.assert(
        fc.asyncProperty(answerWithStatus(status), fc.boolean(), async (answer, hfShapedTokens) => {
          const ending = await runResponseCase({
            hfShapedTokens,
            scope: 'profile',
            idTokenKind: 'valid',
            ...steps(answer),
          });
          endings.add(ending);
        }),
        { numRuns: cases.perStatus }
      );
    }
    expect([...endings]).toEqual(expect.arrayContaining(['resolved', ConnectorErrorCodes.General, ...reached]));
  }, timeoutMs);
});

describe('hostile mixed answers', () => {
  it('survives mixed token, ID token and userinfo answers, retries and interim answers included', async () => {
    const userInfoAnswerArb = fc
      .tuple(
        answerArb(mostlySuccessfulStatusArb, userInfoBodyArb(20)),
        fc.option(fc.constantFrom(100, 102, 103, 150), { nil: undefined })
      )
      .map(([answer, interim]) => (interim ? { ...answer, informational: [interim] } : answer));
    const endings = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          hfShapedTokens: fc.boolean(),
          scope: fc.constantFrom('profile', 'openid profile', 'openid profile email'),
          idTokenKind: fc.oneof(
            { arbitrary: fc.constant<IdTokenKind>('valid'), weight: 6 },
            {
              arbitrary: fc.constantFrom<IdTokenKind>('other-subject', 'other-key', 'wrong-nonce', 'malformed'),
              weight: 4,
            }
          ),
          token: answerArb(mostlySuccessfulStatusArb, tokenBodyArb(true, 20)),
          userInfo: fc.array(userInfoAnswerArb, { minLength: 1, maxLength: 3 }),
        }),
        async (responseCase) => {
          endings.add(await runResponseCase(responseCase));
        }
      ),
      { numRuns: cases.mixed }
    );
    expect([...endings]).toEqual(expect.arrayContaining([
      'resolved',
      ConnectorErrorCodes.SocialIdTokenInvalid,
      ConnectorErrorCodes.InvalidResponse,
      ConnectorErrorCodes.General,
    ]));
  }, timeoutMs);
});
