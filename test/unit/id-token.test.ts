/**
 * Verifying Hugging Face's ID token (OpenID Connect Core 3.1.3.7) and caching its key set (JWKS).
 * `Date` stands still at noon in every test, so the 60 s tolerance and the cache's ages are exact;
 * each test has a hub of its own, so no key set cached by one serves another.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { follow, timersDue, until, useFakeClock } from '../support/fake-clock.js';
import {
  clientId,
  clientSecret,
  createSigningKey,
  expectConnectorError,
  hold,
  isolateNetwork,
  jwksOf,
  keySetEndpoint,
  newHubUrl,
  type ScriptedAnswer,
  script,
  type SigningKey,
  signIdToken,
  signInUpToUserInfo,
  type StartedSignIn,
  startSignIn,
  tokenEndpoint,
  tokenSuccess,
  unsecuredIdToken,
  userId,
  userInfoEndpoint,
  validIdTokenClaims,
} from '../support/kit.js';

isolateNetwork();

const noon = Date.UTC(2026, 5, 1, 12, 0, 0);
/** Noon in whole seconds, as JWT claims count time. */
const now = noon / 1000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: noon });
});

afterEach(() => {
  vi.useRealTimers();
});

type KeyName = 'a' | 'b' | 'impostor';

const keys = {} as Record<KeyName, SigningKey>;

beforeAll(async () => {
  // The impostor is another key pair under key A's kid.
  [keys.a, keys.b, keys.impostor] = await Promise.all([
    createSigningKey('key-a'),
    createSigningKey('key-b'),
    createSigningKey('key-a'),
  ]);
});

const profile = {
  sub: userId,
  name: 'Ada From Userinfo',
  picture: 'https://cdn.test/avatars/ada.png',
  email: 'ada@example.test',
  email_verified: true,
};

type IdTokenOf = (signIn: StartedSignIn) => Promise<string> | string;

/** An ID token for the sign-in, signed with the named key: the valid claims with `changes`. */
const signedBy =
  (name: KeyName, changes: Record<string, unknown> = {}): IdTokenOf =>
  async (signIn) =>
    signIdToken({ ...validIdTokenClaims(signIn), ...changes }, { key: keys[name].privateKey, kid: keys[name].kid });

/**
 * Starts a sign-in that asks for `openid` and answers its code exchange with `idToken` and its
 * userinfo with {@link profile}.
 */
const signInWith = async (
  idToken: IdTokenOf,
  { hubUrl, config }: { hubUrl?: string; config?: Record<string, unknown> } = {}
) => {
  const signIn = await startSignIn({ hubUrl, config: { scope: 'openid profile email', ...config } });
  tokenEndpoint(signIn).reply(200, { ...tokenSuccess, id_token: await idToken(signIn) });
  return Object.assign(signIn, { userInfo: userInfoEndpoint(signIn.hubUrl).reply(200, profile) });
};

describe('a valid ID token', () => {
  it('signs the user in with the profile from userinfo, not from the token', async () => {
    const signIn = await signInWith(signedBy('a'));
    keySetEndpoint(signIn.hubUrl).matchHeader('accept', 'application/json').reply(200, jwksOf(keys.a));

    await expect(signIn.finish()).resolves.toEqual({
      id: userId,
      name: 'Ada From Userinfo',
      avatar: 'https://cdn.test/avatars/ada.png',
      email: 'ada@example.test',
      rawData: profile,
    });
  });

  it.each([
    ['it names several audiences and the client ID as authorized party (azp)', { aud: ['another-client-id', clientId], azp: clientId }],
    ['its one audience is the client ID and so is its authorized party (azp)', { azp: clientId }],
    ['it was issued 60 s in the future, the edge of the tolerance', { iat: now + 60 }],
    ['it expired 50 s ago, within the tolerance', { iat: now - 600, exp: now - 50 }],
    ['it is not valid before 30 s from now (nbf), within the tolerance', { nbf: now + 30 }],
  ])('is accepted when %s', async (_, changes) => {
    const signIn = await signInWith(signedBy('a', changes));
    keySetEndpoint(signIn.hubUrl).reply(200, jwksOf(keys.a));

    await expect(signIn.finish()).resolves.toMatchObject({ id: userId });
  });
});

describe('an ID token that fails verification', () => {
  const wellFormed = 'it is not a well-formed signed JWT';
  const algorithm = 'its algorithm is not allowed (only RS256)';
  const hs256 = async (signIn: StartedSignIn) =>
    signIdToken(validIdTokenClaims(signIn), { key: new TextEncoder().encode(clientSecret), kid: 'key-a', alg: 'HS256' });

  it.each<[string, IdTokenOf, string, Record<string, unknown>?]>([
    ['is not a JWT at all', () => 'not-a-jwt', wellFormed],
    ['is a header and claims without a signature', () => 'eyJhbGciOiJSUzI1NiJ9.e30', wellFormed],
    ['is signed by another key under the published kid', signedBy('impostor'), "its signature does not match Hugging Face's keys"],
    ['is unsecured (alg none)', (signIn) => unsecuredIdToken(validIdTokenClaims(signIn), 'key-a'), algorithm],
    ['is signed with HS256 and the client secret', hs256, algorithm],
    ['names another issuer', signedBy('a', { iss: 'https://huggingface.co' }), 'the issuer (iss) is not {hub}'],
    ['has no issuer', signedBy('a', { iss: undefined }), 'the issuer (iss) is not {hub}'],
    ['is meant for another client', signedBy('a', { aud: ['another-client-id'] }), 'the audience (aud) does not contain the client ID'],
    ['has no audience', signedBy('a', { aud: undefined }), 'the audience (aud) does not contain the client ID'],
    [
      'names several audiences and no authorized party (azp)',
      signedBy('a', { aud: [clientId, 'another-client-id'] }),
      'its audience (aud) names several clients but it has no authorized party (azp)',
    ],
    ['names another client as authorized party (azp)', signedBy('a', { azp: 'another-client-id' }), 'its authorized party (azp) is not the client ID'],
    ['has no subject', signedBy('a', { sub: undefined }), 'the subject (sub) is missing'],
    ["names a subject (sub) other than the userinfo's", signedBy('a', { sub: '64b7f0c2a1e3d4f5a6b7c8ff' }), "its subject (sub) differs from the userinfo's"],
    ['expired 70 s ago', signedBy('a', { iat: now - 600, exp: now - 70 }), 'it has expired (exp)'],
    ['has no expiry', signedBy('a', { exp: undefined }), 'the expiry (exp) is missing'],
    ['was issued 61 s in the future', signedBy('a', { iat: now + 61 }), 'the issued-at time (iat) is in the future'],
    ['has no issued-at time', signedBy('a', { iat: undefined }), 'the issued-at time (iat) is missing or in the future'],
    ['is not valid before 70 s from now (nbf)', signedBy('a', { nbf: now + 70 }), 'it is not valid yet (nbf)'],
    ['carries another nonce', signedBy('a', { nonce: 'nonce-of-another-sign-in' }), 'its nonce does not match the sign-in'],
    ['carries no nonce', signedBy('a', { nonce: undefined }), 'it carries no nonce'],
    [
      'comes although the sign-in did not ask for openid, so no nonce was sent',
      signedBy('a', { nonce: 'some-nonce' }),
      'no nonce was saved for this sign-in',
      { scope: 'profile' },
    ],
  ])('is refused when it %s', async (_, idToken, fragment, config) => {
    const signIn = await signInWith(idToken, { config });
    keySetEndpoint(signIn.hubUrl).reply(200, jwksOf(keys.a));

    const error = await expectConnectorError(
      signIn.finish(),
      ConnectorErrorCodes.SocialIdTokenInvalid,
      `The ID token from Hugging Face failed verification: ${fragment.replace('{hub}', signIn.hubUrl)}.`
    );
    expect(error.data.step).toBe('id_token');
  });

  it('is demanded when openid was requested', async () => {
    const signIn = await signInUpToUserInfo({ config: { scope: 'openid profile' } });

    const error = await expectConnectorError(
      signIn.finish(),
      ConnectorErrorCodes.SocialIdTokenInvalid,
      'The "openid" scope was requested but Hugging Face returned no ID token'
    );
    expect(error.data.step).toBe('id_token');
  });
});

describe('the key set', () => {
  it.each<[string, { answers: ScriptedAnswer[]; code: ConnectorErrorCodes; message: string; status?: number }]>([
    [
      'answers 404 with a JSON error',
      {
        answers: [{ status: 404, body: { error: 'Not Found' } }],
        code: ConnectorErrorCodes.InvalidResponse,
        message: "Hugging Face's key set at {hub}/oauth/jwks could not be read (status 404).",
        status: 404,
      },
    ],
    [
      'answers 503 three times, retried twice',
      {
        answers: Array.from({ length: 3 }, () => ({ status: 503, body: 'unavailable', headers: { 'retry-after': '0' } })),
        code: ConnectorErrorCodes.InvalidResponse,
        message: "Hugging Face's key set at {hub}/oauth/jwks could not be read (status 503).",
        status: 503,
      },
    ],
    [
      'cannot be reached three times, retried twice',
      {
        answers: Array.from({ length: 3 }, () => ({ networkError: 'ECONNREFUSED' })),
        code: ConnectorErrorCodes.General,
        message: "Hugging Face's key set (JWKS) ({hub}) could not be reached (ECONNREFUSED).",
      },
    ],
    [
      'is text',
      {
        answers: [{ status: 200, body: 'hello' }],
        code: ConnectorErrorCodes.InvalidResponse,
        message: "Hugging Face's key set at {hub}/oauth/jwks could not be read (status 200).",
        status: 200,
      },
    ],
    [
      'is a JSON list',
      {
        answers: [{ status: 200, body: '[]' }],
        code: ConnectorErrorCodes.InvalidResponse,
        message: "Hugging Face's key set at {hub}/oauth/jwks could not be read (status 200).",
        status: 200,
      },
    ],
    [
      'is JSON but not a JWKS',
      {
        answers: [{ status: 200, body: { keys: 'none' } }],
        code: ConnectorErrorCodes.InvalidResponse,
        message: "Hugging Face's key set at {hub}/oauth/jwks is not a valid JWKS.",
      },
    ],
  ])('that %s fails the sign-in, and is fetched again by the next one', async (_, { answers, code, message, status }) => {
    const hubUrl = newHubUrl('jwks');
    const keySet = script(keySetEndpoint(hubUrl), ...answers, { status: 200, body: jwksOf(keys.a) });

    const error = await expectConnectorError(
      (await signInWith(signedBy('a'), { hubUrl })).finish(),
      code,
      message.replace('{hub}', hubUrl)
    );
    expect(error.data).toEqual({ errorDescription: expect.any(String), step: 'id_token', ...(status && { status }) });
    expect(keySet.seen).toHaveLength(answers.length);

    await expect((await signInWith(signedBy('a'), { hubUrl })).finish()).resolves.toMatchObject({ id: userId });
    expect(keySet.seen).toHaveLength(answers.length + 1);
  });

  it('is fetched once for sign-ins at the same time and after', async () => {
    const hubUrl = newHubUrl('jwks');
    const keySet = script(keySetEndpoint(hubUrl), { status: 200, body: jwksOf(keys.a) });
    const together = await Promise.all([signInWith(signedBy('a'), { hubUrl }), signInWith(signedBy('a'), { hubUrl })]);

    await Promise.all(together.map(async (signIn) => expect(signIn.finish()).resolves.toMatchObject({ id: userId })));
    await expect((await signInWith(signedBy('a'), { hubUrl })).finish()).resolves.toMatchObject({ id: userId });
    expect(keySet.seen).toHaveLength(1);
  });

  it.each([
    ['an unknown kid a minute after the fetch: fetched again, and the new key accepted', { afterMs: 60_000, signer: 'b', published: ['a', 'b'], fetches: 2, refused: false }],
    ['an unknown kid less than a minute after the fetch: not fetched again, and refused', { afterMs: 59_999, signer: 'b', published: ['a', 'b'], fetches: 1, refused: true }],
    ['a known kid less than 10 minutes after the fetch: from the cache', { afterMs: 599_999, signer: 'a', published: ['b'], fetches: 1, refused: false }],
    ['a known kid 10 minutes after the fetch: fetched again, and refused once Hugging Face withdrew it', { afterMs: 600_000, signer: 'a', published: ['b'], fetches: 2, refused: true }],
  ] as const)('for %s', async (_, { afterMs, signer, published, fetches, refused }) => {
    const hubUrl = newHubUrl('rotation');
    const keySet = script(
      keySetEndpoint(hubUrl),
      { status: 200, body: jwksOf(keys.a) },
      { status: 200, body: jwksOf(...published.map((name) => keys[name])) }
    );
    await (await signInWith(signedBy('a'), { hubUrl })).finish();

    vi.setSystemTime(noon + afterMs);
    const later = (await signInWith(signedBy(signer), { hubUrl })).finish();

    await (refused
      ? expectConnectorError(later, ConnectorErrorCodes.SocialIdTokenInvalid, "no single key in Hugging Face's key set matches its key id (kid)")
      : expect(later).resolves.toMatchObject({ id: userId }));
    expect(keySet.seen).toHaveLength(fetches);
  });

  it('keeps the set a newer fetch brought when an older fetch of the same hub fails after it', async () => {
    const hubUrl = newHubUrl('jwks');
    const older = hold(keySetEndpoint(hubUrl));
    // Its attempt may wait 30 s, however long the rest of the test takes.
    const config = { requestTimeoutMs: 30_000 };
    const first = (await signInWith(signedBy('a'), { hubUrl, config })).finish().catch((error: unknown) => error);
    await older.arrived;

    // Ten minutes later the set is due for a refetch, although its fetch has not answered.
    vi.setSystemTime(noon + 600_000);
    const newer = keySetEndpoint(hubUrl).reply(200, jwksOf(keys.a));
    await expect((await signInWith(signedBy('a'), { hubUrl })).finish()).resolves.toMatchObject({ id: userId });
    older.answer(404, 'not found');
    expect(await first).toMatchObject({ code: ConnectorErrorCodes.InvalidResponse });

    // No interceptor is left: a third fetch would fail this sign-in.
    await expect((await signInWith(signedBy('a'), { hubUrl })).finish()).resolves.toMatchObject({ id: userId });
    expect(newer.isDone()).toBe(true);
  });

  it('is cached for 16 hubs, the one used least recently dropped first, not the one cached first', async () => {
    const hubs = Array.from({ length: 17 }, () => newHubUrl('lru'));
    const keySets = hubs.map((hubUrl) => script(keySetEndpoint(hubUrl), { status: 200, body: jwksOf(keys.a) }));
    const signInAt = async (hubUrl: string) => (await signInWith(signedBy('a'), { hubUrl })).finish();
    /* eslint-disable no-await-in-loop -- the order of use is what the test is about */
    for (const hubUrl of hubs.slice(0, 16)) {
      await signInAt(hubUrl);
    }
    // The first hub is now the one used last; the 17th pushes out the second.
    await signInAt(hubs[0]!);
    await signInAt(hubs[16]!);
    await signInAt(hubs[0]!);
    await signInAt(hubs[1]!);
    /* eslint-enable no-await-in-loop */

    expect(keySets.map(({ seen }) => seen.length)).toEqual([1, 2, ...Array.from({ length: 15 }, () => 1)]);
  });
});

describe('the time of the ID token step', () => {
  it('ends at its own deadline while it waits for a key set fetch that another sign-in started with more time', async () => {
    const hubUrl = newHubUrl('step');
    useFakeClock(noon);
    const patient = await signInWith(signedBy('a'), { hubUrl, config: { requestTimeoutMs: 10_000 } });
    const hurried = await signInWith(signedBy('a'), { hubUrl, config: { requestTimeoutMs: 500 } });
    const sharedFetch = hold(keySetEndpoint(hubUrl));
    const patientOutcome = patient.finish();
    await sharedFetch.arrived;
    const hurriedEnd = follow(hurried.finish());

    // The clock stands still until both sign-ins have their userinfo and wait for nothing but time
    // (or the hurried one has ended, which it must not do before its step's end).
    await until(
      () =>
        hurriedEnd.settled() !== undefined ||
        (patient.userInfo.isDone() && hurried.userInfo.isDone() && timersDue().length === 3)
    );
    expect(hurriedEnd.settled()).toBeUndefined();
    // The hurried sign-in's step ends first (3 × 500 ms), then the patient one's fetch attempt
    // (10 s) and step (3 × 10 s).
    expect(timersDue()).toEqual([noon + 1500, noon + 10_000, noon + 30_000]);
    await vi.advanceTimersToNextTimerAsync();

    const { at, outcome } = await hurriedEnd.settling;
    const error = await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General,
      `Hugging Face's key set (JWKS) (${hubUrl}) did not answer in time (no answer within 1500 ms)`
    );
    expect(error.data.step).toBe('id_token');
    expect(at).toBe(noon + 1500);

    sharedFetch.answer(200, jwksOf(keys.a));
    await expect(patientOutcome).resolves.toMatchObject({ id: userId });
    // Both waits are over: neither leaves a timer running that would hold Logto's process.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fetches again for an unknown kid only while the step has time left', async () => {
    const hubUrl = newHubUrl('step');
    // The first fetch answers at the very end of the step (3 × 30 s), over a minute after it began:
    // an unknown kid could be fetched again, but the step has no time left.
    keySetEndpoint(hubUrl).reply(200, () => {
      vi.setSystemTime(noon + 90_000);
      return jwksOf(keys.a);
    });
    const refetch = keySetEndpoint(hubUrl).reply(200, jwksOf(keys.a, keys.b));
    const signIn = await signInWith(signedBy('b'), { hubUrl, config: { requestTimeoutMs: 30_000 } });

    const error = await expectConnectorError(
      signIn.finish(),
      ConnectorErrorCodes.General,
      `Hugging Face's key set (JWKS) (${hubUrl}) did not answer in time (no answer within 90000 ms)`
    );
    expect(error.data.step).toBe('id_token');

    // The step that ran out of time kept the cached set: a token signed with its key needs no fetch.
    await expect((await signInWith(signedBy('a'), { hubUrl })).finish()).resolves.toMatchObject({ id: userId });
    expect(refetch.isDone()).toBe(false);
  });
});
