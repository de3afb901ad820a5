/**
 * The stage of each property file: a loopback Hugging Face whose answers each case scripts, the
 * public connector wired to a swappable config, one sign-in run against the model, and the
 * contract every outcome must meet. Each file builds its own stage, so no file reads state
 * another left behind.
 */
import { ConnectorErrorCodes, type ConnectorError, type SocialConnector } from '@logto/connector-kit';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, expect } from 'vitest';

import {
  classify,
  createConnectorUnderTest,
  drainEventLoop,
  leakedSecrets,
  type LoopbackServer,
  type Outcome,
  type RejectionWatch,
  type ScriptedAnswer,
  sendAnswer,
  settle,
  startLoopbackServer,
  startSignIn,
  watchUnhandledRejections,
} from '../support.js';
import {
  type AnswerSpec,
  clientId,
  type CaseSecrets,
  fill,
  fixedSub,
  freshSecrets,
  type IdTokenKind,
  jwtKeyId,
  objectText,
  requestTimeoutMs,
  secretForms,
  type SlotValues,
  slots,
} from './generators.js';
import {
  controlCharacterPattern,
  deliveredBody,
  type Expected,
  expectTokenStep,
  expectUserInfoStep,
  longestErrorDescription,
  only,
  parseObject,
} from './model.js';

type Script = { token: ScriptedAnswer; userInfo: ScriptedAnswer[]; jwks: ScriptedAnswer };

const jsonHeaders = { 'content-type': 'application/json' };

/** A valid token answer carrying the case's access and refresh tokens. */
export const validTokenAnswer = (): ScriptedAnswer => ({
  status: 200,
  headers: jsonHeaders,
  body: objectText([
    ['access_token', JSON.stringify(slots.access)],
    ['token_type', '"bearer"'],
    ['expires_in', '28800'],
    ['refresh_token', JSON.stringify(slots.refresh)],
  ]),
});

/** A valid userinfo of {@link fixedSub}. */
export const validUserInfoAnswer = (): ScriptedAnswer => ({
  status: 200,
  headers: jsonHeaders,
  body: JSON.stringify({ sub: fixedSub, name: 'Hostile Tester', preferred_username: 'hostile' }),
});

/** Fills an answer's slots and, for a JSON object, pads it to a byte size around the cap. */
export const fillAnswer = (answer: ScriptedAnswer, values: SlotValues, padTo?: number): ScriptedAnswer => {
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

/** The slot values of a case: its secrets, and the forms the client secret travels in. */
export const slotValuesOf = (secrets: CaseSecrets, extra: SlotValues = {}): SlotValues => {
  const forms = secretForms(secrets.secret);
  return {
    ...secrets,
    encodedSecret: forms.clientSecretFormEncoded,
    basic: `Basic ${forms.basicCredentials}`,
    ...extra,
  };
};

/**
 * Checks one outcome against the model, the secrecy rule and the reflection rule: a known code
 * the model allows, no secret in any form, a short message without control characters.
 */
export const expectContract = (
  outcome: Outcome,
  expected: Expected,
  secrets: Record<string, string | undefined>
) => {
  const ending = classify(outcome);
  if ('resolved' in expected) {
    expect(ending).toBe('resolved');
  } else {
    expect(expected.codes).toContain(ending);
  }
  if (outcome.settled === 'rejected') {
    const withForms = Object.fromEntries(
      Object.entries(secrets).flatMap(([label, value]) =>
        label === 'clientSecret' && value !== undefined
          ? Object.entries(secretForms(value))
          : [[label, value]]
      )
    );
    expect(leakedSecrets(outcome.error, withForms)).toEqual([]);
    const data = (outcome.error as ConnectorError).data as Record<string, unknown>;
    for (const key of ['errorDescription', 'error', 'error_description']) {
      const text = data[key];
      if (text !== undefined) {
        expect(typeof text).toBe('string');
        // A string, as the line above checks.
        const message = text as string;
        expect(message).not.toMatch(controlCharacterPattern);
        expect(message.length).toBeLessThanOrEqual(longestErrorDescription);
      }
    }
  }
  if (outcome.settled === 'resolved' && 'resolved' in expected) {
    const userInfo = outcome.value as {
      id: string;
      email?: string;
      rawData?: Record<string, unknown>;
    };
    expect(userInfo.id).toBe(expected.resolved);
    // Logto keeps rawData as JSON.
    expect(() => JSON.stringify(userInfo)).not.toThrow();
    // Logto may link accounts by email: only a verified one may come back.
    if (userInfo.email !== undefined) {
      expect(userInfo.rawData?.email_verified).toBe(true);
    }
  }
};

/** One sign-in against scripted answers. */
export type ResponseCase = {
  hfShapedTokens: boolean;
  scope: string;
  idTokenKind: IdTokenKind;
  token: AnswerSpec;
  userInfo: AnswerSpec[];
};

/** The stage of one property file. */
export type Harness = {
  readonly server: LoopbackServer;
  readonly connector: SocialConnector;
  useConfig: (config: unknown) => void;
  /** Sets the token and userinfo answers of the next case and forgets earlier requests. */
  program: (next: { token: ScriptedAnswer; userInfo: ScriptedAnswer[] }) => void;
  /** The answers currently scripted. */
  script: () => Script;
  requestsTo: (path: string) => LoopbackServer['requests'];
  /** The config of a case: this hub, the case's secret, the largest time limit. */
  configFor: (secrets: CaseSecrets, scope?: string) => Record<string, unknown>;
  /** Runs one sign-in against scripted answers, checks it against the model, says how it ended. */
  runResponseCase: (responseCase: ResponseCase) => Promise<string>;
  /** Fails when an unhandled rejection was seen while the file ran. */
  expectNoUnhandledRejection: () => Promise<void>;
};

/** Builds the stage in `beforeAll` and tears it down in `afterAll`. */
export const useHarness = (): Harness => {
  let server: LoopbackServer;
  let connector: SocialConnector;
  let useConfig: (config: unknown) => void;
  let rejections: RejectionWatch;
  let script: Script;
  let userInfoAttempts = 0;
  let signingKey: CryptoKey;
  let strangerKey: CryptoKey;

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
        const answer = script.userInfo[Math.min(userInfoAttempts, script.userInfo.length - 1)];
        userInfoAttempts += 1;
        sendAnswer(response, answer ?? { status: 500 });
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

  const program: Harness['program'] = (next) => {
    script = { ...script, ...next };
    userInfoAttempts = 0;
    server.requests.length = 0;
  };

  const requestsTo = (path: string) => server.requests.filter((request) => request.path === path);

  const configFor = (secrets: CaseSecrets, scope = 'profile') => ({
    clientId,
    clientSecret: secrets.secret,
    hubUrl: server.url,
    requestTimeoutMs,
    scope,
  });

  const signIdToken = async (kind: IdTokenKind, subject: string, nonce: string | undefined) => {
    if (kind === 'malformed') {
      return 'eyJhbGciOiJSUzI1NiJ9.not-a-payload.sig';
    }
    const claims = {
      nonce: kind === 'wrong-nonce' ? 'another-nonce' : nonce,
      name: 'Hostile Tester',
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: jwtKeyId })
      .setIssuer(server.url)
      .setAudience(clientId)
      .setSubject(kind === 'other-subject' ? `${subject}-other` : subject)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(kind === 'other-key' ? strangerKey : signingKey);
  };

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
    const values = slotValuesOf(secrets, { verifier: signIn.codeVerifier, idToken });
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
        return only(tokenEnd);
      }
      const tokenBody = parseObject(deliveredBody(script.token).toString('utf8')) ?? {};
      const openid = responseCase.scope.split(' ').includes('openid');
      const isOurIdToken =
        tokenBody.id_token === idToken &&
        ['valid', 'other-subject'].includes(responseCase.idTokenKind);
      // OpenID Connect Core 3.1.3.7: any ID token is verified, one is owed for openid, and only
      // ours, in an openid sign-in (which saved a nonce), can pass.
      if (tokenBody.id_token === undefined ? openid : !openid || !isOurIdToken) {
        return only(ConnectorErrorCodes.SocialIdTokenInvalid);
      }
      const userInfoEnd = expectUserInfoStep(script.userInfo);
      if ('code' in userInfoEnd) {
        return only(userInfoEnd.code);
      }
      if (tokenBody.id_token !== undefined && responseCase.idTokenKind === 'other-subject') {
        return only(ConnectorErrorCodes.SocialIdTokenInvalid);
      }
      return { resolved: userInfoEnd.sub };
    })();

    // Tokens count as received when the token body could be read, or when they look like
    // Hugging Face's; a token inside a truncated body of another shape cannot be recognised.
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

  const expectNoUnhandledRejection = async () => {
    await drainEventLoop();
    expect(rejections.seen).toEqual([]);
  };

  return {
    get server() {
      return server;
    },
    get connector() {
      return connector;
    },
    useConfig: (config) => useConfig(config),
    program,
    script: () => script,
    requestsTo,
    configFor,
    runResponseCase,
    expectNoUnhandledRejection,
  };
};

/**
 * Counts how the cases of one property ended, so that a generator that never reaches a path is
 * noticed. Local to one test: nothing carries over between tests.
 */
export const createEndingTally = () => {
  const endings = new Map<string, number>();
  return {
    count: (ending: string) => {
      endings.set(ending, (endings.get(ending) ?? 0) + 1);
    },
    expectReached: (wanted: string[]) => {
      expect([...endings.keys()]).toEqual(expect.arrayContaining(wanted));
    },
  };
};
