/**
 * The stage of each property file: a loopback Hugging Face whose answers each case scripts, a
 * sign-in of the built connector run against the model, and the contract every outcome must
 * meet. Each file builds its own stage, so no file reads state another left behind.
 */
import { type ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { beforeAll, expect } from 'vitest';

import {
  createSigningKey,
  jwksOf,
  type SigningKey,
  signIdToken,
  startSignIn,
  type StartedSignIn,
  tokenSuccess,
  userId,
  validIdTokenClaims,
  clientId,
} from '../../support/kit.js';
import {
  builtConnector,
  classify,
  deliveredBody,
  type HostileAnswer,
  leakedSecrets,
  type Outcome,
  sendAnswer,
  settle,
  useLoopbackServer,
} from '../support.js';

import {
  type AnswerSpec,
  type CaseSecrets,
  fill,
  freshSecrets,
  type IdTokenKind,
  jwtKeyId,
  requestTimeoutMs,
  secretForms,
  type SlotValues,
  slots,
} from './generators.js';
import {
  controlCharacterPattern,
  type Expected,
  expectTokenStep,
  expectUserInfoStep,
  longestErrorDescription,
  only,
  parseObject,
} from './model.js';

const jsonHeaders = { 'content-type': 'application/json' };

/** A valid token answer carrying the case's access and refresh tokens. */
export const validTokenAnswer = (): HostileAnswer => ({
  status: 200,
  headers: jsonHeaders,
  body: JSON.stringify({ ...tokenSuccess, access_token: slots.access, refresh_token: slots.refresh }),
});

/** A valid userinfo of the kit's user. */
export const validUserInfoAnswer = (): HostileAnswer => ({
  status: 200,
  headers: jsonHeaders,
  body: JSON.stringify({ sub: userId, name: 'Hostile Tester', preferred_username: 'hostile' }),
});

/** Fills an answer's slots and, for a JSON object, pads it to a byte size around the cap. */
export const fillAnswer = (answer: HostileAnswer, values: SlotValues, padTo?: number): HostileAnswer => {
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
        expect(text).not.toMatch(controlCharacterPattern);
        expect((text as string).length).toBeLessThanOrEqual(longestErrorDescription);
      }
    }
  }
  if (outcome.settled === 'resolved' && 'resolved' in expected) {
    const userInfo = outcome.value as { id: string; email?: string; rawData?: Record<string, unknown> };
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

type Script = { token: HostileAnswer; userInfo: HostileAnswer[] };

/** Builds the stage in `beforeAll`; the loopback server closes after the file. */
export const useHarness = () => {
  const stage = useLoopbackServer();
  let script: Script = { token: { status: 500 }, userInfo: [{ status: 500 }] };
  let userInfoAttempts = 0;
  let signingKey: SigningKey;
  let strangerKey: SigningKey;

  beforeAll(async () => {
    signingKey = await createSigningKey(jwtKeyId);
    strangerKey = await createSigningKey(jwtKeyId);
    const jwks: HostileAnswer = { status: 200, headers: jsonHeaders, body: jwksOf(signingKey) };
    stage.server.handle((request, response) => {
      if (request.path === '/oauth/token') {
        sendAnswer(response, script.token);
      } else if (request.path === '/oauth/userinfo') {
        const answer = script.userInfo[Math.min(userInfoAttempts, script.userInfo.length - 1)];
        userInfoAttempts += 1;
        sendAnswer(response, answer ?? { status: 500 });
      } else {
        sendAnswer(response, request.path === '/oauth/jwks' ? jwks : { status: 404 });
      }
    });
  });

  /** Sets the token and userinfo answers of the next case and forgets earlier requests. */
  const program = (next: Script) => {
    script = next;
    userInfoAttempts = 0;
    stage.server.requests.length = 0;
  };

  const requestsTo = (path: string) =>
    stage.server.requests.filter((request) => request.path === path);

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
    const key = kind === 'other-key' ? strangerKey : signingKey;
    return signIdToken(
      { ...claims, ...(kind === 'wrong-nonce' && { nonce: 'another-nonce' }) },
      { key: key.privateKey, kid: jwtKeyId }
    );
  };

  /** Runs one sign-in against scripted answers, checks it against the model, says how it ended. */
  const runResponseCase = async (responseCase: ResponseCase): Promise<string> => {
    const secrets = freshSecrets(responseCase.hfShapedTokens);
    const signIn = await startCase(secrets, responseCase.scope);
    const userInfoAnswers = responseCase.userInfo.map(({ answer, padTo }) =>
      fillAnswer(answer, {}, padTo)
    );
    const userInfoModel = expectUserInfoStep(userInfoAnswers);
    const subject = 'sub' in userInfoModel ? userInfoModel.sub : userId;
    const { body } = responseCase.token.answer;
    const carriesIdToken = typeof body === 'string' && body.includes(slots.idToken);
    const idToken = carriesIdToken
      ? await idTokenFor(responseCase.idTokenKind, subject, signIn)
      : undefined;
    const values = slotValuesOf(secrets, { verifier: signIn.codeVerifier, idToken });
    program({
      token: fillAnswer(responseCase.token.answer, values, responseCase.token.padTo),
      userInfo: userInfoAnswers.map((answer) => fillAnswer(answer, values)),
    });

    const outcome = await settle(signIn.finish({ ...signIn.signInPagePost, code: secrets.code }));

    const tokenBody = parseObject(deliveredBody(script.token).toString('utf8'));
    const expected = ((): Expected => {
      const tokenEnd = expectTokenStep(script.token);
      if (tokenEnd) {
        return only(tokenEnd);
      }
      const openid = responseCase.scope.split(' ').includes('openid');
      const isOurIdToken =
        tokenBody?.id_token === idToken &&
        ['valid', 'other-subject'].includes(responseCase.idTokenKind);
      // OpenID Connect Core 3.1.3.7: any ID token is verified, one is owed for openid, and only
      // ours, in an openid sign-in (which saved a nonce), can pass.
      if (tokenBody?.id_token === undefined ? openid : !openid || !isOurIdToken) {
        return only(ConnectorErrorCodes.SocialIdTokenInvalid);
      }
      const userInfoEnd = expectUserInfoStep(script.userInfo);
      if ('code' in userInfoEnd) {
        return only(userInfoEnd.code);
      }
      if (tokenBody?.id_token !== undefined && responseCase.idTokenKind === 'other-subject') {
        return only(ConnectorErrorCodes.SocialIdTokenInvalid);
      }
      return { resolved: userInfoEnd.sub };
    })();

    // Tokens count as received when the token body could be read, or when they look like
    // Hugging Face's; a token inside a truncated body of another shape cannot be recognised.
    const tokensReceived = responseCase.hfShapedTokens || tokenBody !== undefined;
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

  return { stage, program, requestsTo, startCase, runResponseCase };
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
