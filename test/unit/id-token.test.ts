import { ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  callbackDataOf,
  clientCredentials,
  createSigningKey,
  createTestConnector,
  expectConnectorError,
  jwksOf,
  mockCodeExchange,
  mockKeySet as serveKeySet,
  mockUserInfo,
  nextHubUrl,
  nowInSeconds,
  type SigningKey,
  signIdToken,
  type StartedSignIn,
  startSignIn,
  unsecuredIdToken,
  validIdTokenClaims,
} from './crypto-fixtures.js';
import { isolateNetwork } from './fixtures.js';
import { follow, timersDue, until, useFakeClock } from '../support/fake-clock.js';

isolateNetwork();

const userId = '64b7f0c2a1e3d4f5a6b7c8d9';

const userInfoOf = (sub = userId) => ({
  sub,
  name: 'Ada From Userinfo',
  preferred_username: 'ada-lovelace',
  picture: 'https://cdn.test/avatars/ada.png',
  profile: 'https://hub.test/ada-lovelace',
  email: 'ada@example.test',
  email_verified: true,
  isPro: false,
});

let keyA: SigningKey;
let keyB: SigningKey;
let keyC: SigningKey;
/** A different key pair that claims keyA's kid. */
let impostor: SigningKey;

beforeAll(async () => {
  [keyA, keyB, keyC] = await Promise.all([
    createSigningKey('key-a'),
    createSigningKey('key-b'),
    createSigningKey('key-c'),
  ]);
  impostor = await createSigningKey('key-a');
});

/** Key-set requests each hub received in the running test, counted where nock answers them. */
const keySetFetches = new Map<string, number>();

const counted = (hubUrl: string, scope: nock.Scope): nock.Scope =>
  scope.on('request', () => {
    keySetFetches.set(hubUrl, (keySetFetches.get(hubUrl) ?? 0) + 1);
  });

const mockKeySet = (hubUrl: string, ...keys: SigningKey[]) =>
  counted(hubUrl, serveKeySet(hubUrl, ...keys));

beforeEach(() => {
  keySetFetches.clear();
});

afterEach(() => {
  vi.useRealTimers();
});

type OpenIdSignIn = {
  hubUrl: string;
  connector: SocialConnector;
  signIn: StartedSignIn;
};

const startOpenIdSignIn = async (
  hubUrl = nextHubUrl('idt'),
  extraConfig: Record<string, unknown> = {}
): Promise<OpenIdSignIn> => {
  const connector = await createTestConnector({
    ...clientCredentials,
    scope: 'openid profile email',
    hubUrl,
    ...extraConfig,
  });
  return { hubUrl, connector, signIn: await startSignIn(connector) };
};

const accessTokenOf = (signIn: StartedSignIn) => `hf_oauth_access_${signIn.state}`;

/** Serves the token exchange with the given ID token and the userinfo with `userId`. */
const serveSignIn = (hubUrl: string, signIn: StartedSignIn, idToken: string) => [
  mockCodeExchange(hubUrl, signIn, {
    access_token: accessTokenOf(signIn),
    token_type: 'bearer',
    expires_in: 28_800,
    scope: 'openid profile email',
    id_token: idToken,
  }),
  mockUserInfo(hubUrl, accessTokenOf(signIn), userInfoOf()),
];

const signInWithKey = async (
  { hubUrl, signIn }: OpenIdSignIn,
  key: SigningKey
): Promise<ReturnType<typeof serveSignIn>> => {
  const idToken = await signIdToken(validIdTokenClaims(hubUrl, userId, signIn.nonce), {
    key: key.privateKey,
    kid: key.kid,
  });
  return serveSignIn(hubUrl, signIn, idToken);
};

const jwksUrlOf = (hubUrl: string) => `${hubUrl}/oauth/jwks`;

/**
 * A key set request the test answers by hand: `arrived` settles when the request reaches the hub,
 * `answer` sends the status and body.
 */
const heldKeySet = (hubUrl: string) => {
  let answer: ((status: number, body: unknown) => void) | undefined;
  const arrived = new Promise<void>((resolve) => {
    counted(
      hubUrl,
      nock(hubUrl)
        .get('/oauth/jwks')
        .reply((_uri, _body, callback) => {
          answer = (status, body) => {
            callback(null, [status, body as nock.Body]);
          };
          resolve();
        })
    );
  });
  return {
    arrived,
    answer: (status: number, body: unknown) => {
      if (!answer) {
        throw new Error('The key set request has not arrived yet.');
      }
      answer(status, body);
    },
  };
};

const finishSignIn = async ({ connector, signIn }: OpenIdSignIn) =>
  connector.getUserInfo(callbackDataOf(signIn), signIn.store.getSession);

describe('a valid ID token', () => {
  it('signs the user in with the profile taken from userinfo', async () => {
    const flow = await startOpenIdSignIn();
    const keys = mockKeySet(flow.hubUrl, keyA);
    const scopes = await signInWithKey(flow, keyA);

    const userInfo = await flow.connector.getUserInfo(
      callbackDataOf(flow.signIn),
      flow.signIn.store.getSession
    );

    expect(userInfo).toEqual({
      id: userId,
      name: 'Ada From Userinfo',
      avatar: 'https://cdn.test/avatars/ada.png',
      email: 'ada@example.test',
      rawData: userInfoOf(),
    });
    expect(keys.isDone()).toBe(true);
    for (const scope of scopes) {
      expect(scope.isDone()).toBe(true);
    }
  });

  it('is accepted with several audiences when its authorized party (azp) is the client ID', async () => {
    const flow = await startOpenIdSignIn();
    mockKeySet(flow.hubUrl, keyA);
    const claims = {
      ...validIdTokenClaims(flow.hubUrl, userId, flow.signIn.nonce),
      aud: ['another-client-id', clientCredentials.clientId],
      azp: clientCredentials.clientId,
    };
    serveSignIn(flow.hubUrl, flow.signIn, await signIdToken(claims, { key: keyA.privateKey, kid: keyA.kid }));

    await expect(
      flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession)
    ).resolves.toEqual(expect.objectContaining({ id: userId }));
  });

  it('is accepted when issued exactly 60 s in the future, the edge of the tolerance', async () => {
    // A frozen clock on a whole second, so that "60 s ahead" is exact when it is checked.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 5, 1, 12, 0, 0) });
    const flow = await startOpenIdSignIn();
    mockKeySet(flow.hubUrl, keyA);
    const claims = { ...validIdTokenClaims(flow.hubUrl, userId, flow.signIn.nonce), iat: nowInSeconds() + 60 };
    serveSignIn(flow.hubUrl, flow.signIn, await signIdToken(claims, { key: keyA.privateKey, kid: keyA.kid }));

    await expect(
      flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession)
    ).resolves.toEqual(expect.objectContaining({ id: userId }));
  });

  it('sends the nonce it saved in the session to Hugging Face', async () => {
    const { signIn } = await startOpenIdSignIn();

    expect(signIn.nonce).toMatch(/^[\w-]{43}$/);
    expect(signIn.store.saved()).toEqual(expect.objectContaining({ nonce: signIn.nonce }));
  });

  it.each([
    ['expired 30 s ago', { exp: -30 }],
    ['issued 30 s in the future', { iat: 30 }],
  ])('is accepted when %s, within the 60 s tolerance', async (_, offsets) => {
    const flow = await startOpenIdSignIn();
    const now = nowInSeconds();
    const claims = {
      ...validIdTokenClaims(flow.hubUrl, userId, flow.signIn.nonce),
      ...('exp' in offsets && { iat: now - 3600, exp: now + offsets.exp }),
      ...('iat' in offsets && { iat: now + offsets.iat }),
    };
    mockKeySet(flow.hubUrl, keyA);
    const scopes = serveSignIn(
      flow.hubUrl,
      flow.signIn,
      await signIdToken(claims, { key: keyA.privateKey, kid: keyA.kid })
    );

    await expect(
      flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession)
    ).resolves.toEqual(expect.objectContaining({ id: userId }));
    for (const scope of scopes) {
      expect(scope.isDone()).toBe(true);
    }
  });
});

describe('an ID token that fails verification', () => {
  type TokenFactory = (flow: OpenIdSignIn) => Promise<string> | string;

  const claimsOf = (flow: OpenIdSignIn, overrides: Record<string, unknown> = {}) => ({
    ...validIdTokenClaims(flow.hubUrl, userId, flow.signIn.nonce),
    ...overrides,
  });
  const signedWithKeyA = (flow: OpenIdSignIn, overrides: Record<string, unknown>) =>
    signIdToken(claimsOf(flow, overrides), { key: keyA.privateKey, kid: keyA.kid });

  it.each<[string, TokenFactory, string]>([
    ['is not a JWT at all', () => 'not-a-jwt', 'it is not a well-formed signed JWT'],
    [
      'is signed by another key under the published kid',
      async (flow) => signIdToken(claimsOf(flow), { key: impostor.privateKey, kid: keyA.kid }),
      "its signature does not match Hugging Face's keys",
    ],
    [
      'is unsecured (alg none)',
      (flow) => unsecuredIdToken(claimsOf(flow), keyA.kid),
      'its algorithm is not allowed (only RS256)',
    ],
    [
      'is signed with HS256 and the client secret',
      async (flow) =>
        signIdToken(claimsOf(flow), {
          key: new TextEncoder().encode(clientCredentials.clientSecret),
          kid: keyA.kid,
          alg: 'HS256',
        }),
      'its algorithm is not allowed (only RS256)',
    ],
    [
      'names another issuer',
      async (flow) => signedWithKeyA(flow, { iss: 'https://huggingface.co' }),
      'the issuer (iss) is not https://hub-idt-',
    ],
    [
      'is meant for another client',
      async (flow) => signedWithKeyA(flow, { aud: ['another-client-id'] }),
      'the audience (aud) does not contain the client ID',
    ],
    [
      // OpenID Connect Core 3.1.3.7: several audiences need an azp.
      'names several audiences and no authorized party (azp)',
      async (flow) => signedWithKeyA(flow, { aud: [clientCredentials.clientId, 'another-client-id'] }),
      'its audience (aud) names several clients but it has no authorized party (azp)',
    ],
    [
      'names another client as authorized party (azp)',
      async (flow) =>
        signedWithKeyA(flow, {
          aud: [clientCredentials.clientId, 'another-client-id'],
          azp: 'another-client-id',
        }),
      'its authorized party (azp) is not the client ID',
    ],
    [
      'expired beyond the tolerance',
      async (flow) =>
        signedWithKeyA(flow, { iat: nowInSeconds() - 3600, exp: nowInSeconds() - 120 }),
      'it has expired (exp)',
    ],
    [
      'was issued in the future beyond the tolerance',
      async (flow) => signedWithKeyA(flow, { iat: nowInSeconds() + 120 }),
      'the issued-at time (iat) is in the future',
    ],
    [
      'carries another nonce',
      async (flow) => signedWithKeyA(flow, { nonce: 'nonce-of-another-sign-in' }),
      'its nonce does not match the sign-in',
    ],
    [
      'carries no nonce',
      async (flow) => signedWithKeyA(flow, { nonce: undefined }),
      'it carries no nonce',
    ],
  ])('is rejected when it %s', async (_, createToken, fragment) => {
    const flow = await startOpenIdSignIn();
    // Whether the keys are fetched before the header is checked is not the point here.
    nock(flow.hubUrl).get('/oauth/jwks').optionally().reply(200, jwksOf(keyA));
    const exchange = mockCodeExchange(flow.hubUrl, flow.signIn, {
      access_token: accessTokenOf(flow.signIn),
      token_type: 'bearer',
      id_token: await createToken(flow),
    });

    // Userinfo is asked beside the ID-token check (it answers at once, so no retry is waited
    // for); the sign-in ends with the ID token's rejection all the same.
    nock(flow.hubUrl).get('/oauth/userinfo').optionally().reply(200, userInfoOf());
    await expectConnectorError(
      flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession),
      ConnectorErrorCodes.SocialIdTokenInvalid,
      fragment
    );
    expect(exchange.isDone()).toBe(true);
  });

  it('is rejected when its subject differs from the userinfo subject', async () => {
    const flow = await startOpenIdSignIn();
    mockKeySet(flow.hubUrl, keyA);
    mockCodeExchange(flow.hubUrl, flow.signIn, {
      access_token: accessTokenOf(flow.signIn),
      token_type: 'bearer',
      id_token: await signIdToken(validIdTokenClaims(flow.hubUrl, userId, flow.signIn.nonce), {
        key: keyA.privateKey,
        kid: keyA.kid,
      }),
    });
    const userInfo = mockUserInfo(
      flow.hubUrl,
      accessTokenOf(flow.signIn),
      userInfoOf('64b7f0c2a1e3d4f5a6b7c8ff')
    );

    await expectConnectorError(
      flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession),
      ConnectorErrorCodes.SocialIdTokenInvalid,
      "its subject (sub) differs from the userinfo's"
    );
    expect(userInfo.isDone()).toBe(true);
  });

  it('is demanded when openid was requested', async () => {
    const flow = await startOpenIdSignIn();
    const exchange = mockCodeExchange(flow.hubUrl, flow.signIn, {
      access_token: accessTokenOf(flow.signIn),
      token_type: 'bearer',
      scope: 'openid profile email',
    });

    const error = await expectConnectorError(
      flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession),
      ConnectorErrorCodes.SocialIdTokenInvalid,
      'The "openid" scope was requested but Hugging Face returned no ID token'
    );
    expect(error.data.step).toBe('id_token');
    expect(exchange.isDone()).toBe(true);
  });
});

describe('the key set cache', () => {
  it('fetches the key set once for two sign-ins', async () => {
    const hubUrl = nextHubUrl('idt');
    const keys = mockKeySet(hubUrl, keyA);

    /* eslint-disable no-await-in-loop -- the second sign-in must find the key set the first cached */
    for (const round of [1, 2]) {
      const flow = await startOpenIdSignIn(hubUrl);
      const scopes = await signInWithKey(flow, keyA);
      await expect(
        flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession)
      ).resolves.toEqual(expect.objectContaining({ id: userId }));
      for (const scope of scopes) {
        expect(scope.isDone(), `sign-in ${round}`).toBe(true);
      }
    }
    /* eslint-enable no-await-in-loop */

    expect(keys.isDone()).toBe(true);
    expect(keySetFetches.get(hubUrl)).toBe(1);
  });

  it('shares one fetch between concurrent sign-ins', async () => {
    const hubUrl = nextHubUrl('idt');
    const keys = counted(hubUrl, nock(hubUrl).get('/oauth/jwks').delay(100).reply(200, jwksOf(keyA)));
    const flows = await Promise.all([startOpenIdSignIn(hubUrl), startOpenIdSignIn(hubUrl)]);
    await Promise.all(flows.map(async (flow) => signInWithKey(flow, keyA)));

    const results = await Promise.all(
      flows.map(async ({ connector, signIn }) =>
        connector.getUserInfo(callbackDataOf(signIn), signIn.store.getSession)
      )
    );

    expect(results.map(({ id }) => id)).toEqual([userId, userId]);
    expect(keys.isDone()).toBe(true);
    expect(keySetFetches.get(hubUrl)).toBe(1);
  });

  it('names the key set and the ID token step when the key set cannot be reached', async () => {
    const flow = await startOpenIdSignIn();
    counted(
      flow.hubUrl,
      nock(flow.hubUrl)
        .get('/oauth/jwks')
        .times(3)
        .replyWithError(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }))
    );
    await signInWithKey(flow, keyA);

    const error = await expectConnectorError(
      flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession),
      ConnectorErrorCodes.General,
      `Hugging Face's key set (JWKS) (${flow.hubUrl}) could not be reached (ECONNREFUSED)`
    );
    expect(error.data.step).toBe('id_token');
    // Retried twice, as userinfo is.
    expect(keySetFetches.get(flow.hubUrl)).toBe(3);
  });

  it('does not keep a failed fetch: the next sign-in fetches again', async () => {
    const hubUrl = nextHubUrl('idt');
    // The key set request is retried twice on a 5xx.
    const failing = counted(
      hubUrl,
      nock(hubUrl).get('/oauth/jwks').times(3).reply(500, 'upstream unavailable')
    );
    const first = await startOpenIdSignIn(hubUrl);
    await signInWithKey(first, keyA);

    await expectConnectorError(
      first.connector.getUserInfo(callbackDataOf(first.signIn), first.signIn.store.getSession),
      ConnectorErrorCodes.InvalidResponse,
      `key set at ${jwksUrlOf(hubUrl)} could not be read (status 500)`
    );
    expect(failing.isDone()).toBe(true);

    const keys = mockKeySet(hubUrl, keyA);
    const second = await startOpenIdSignIn(hubUrl);
    await signInWithKey(second, keyA);

    await expect(
      second.connector.getUserInfo(callbackDataOf(second.signIn), second.signIn.store.getSession)
    ).resolves.toEqual(expect.objectContaining({ id: userId }));
    expect(keys.isDone()).toBe(true);
    expect(keySetFetches.get(hubUrl)).toBe(4);
  });

  it('keeps the key set a newer fetch brought when an older fetch of the same hub fails after it', async () => {
    const hubUrl = nextHubUrl('idt');
    vi.useFakeTimers({ toFake: ['Date'] });
    const first = await startOpenIdSignIn(hubUrl);
    const olderFetch = heldKeySet(hubUrl);
    await signInWithKey(first, keyA);
    const firstOutcome = finishSignIn(first).catch((error: unknown) => error);
    await olderFetch.arrived;

    // Over 10 minutes later the cached fetch is due for a refetch, although it has not answered.
    vi.setSystemTime(Date.now() + 10 * 60_000 + 1000);
    const newerFetch = mockKeySet(hubUrl, keyA);
    const second = await startOpenIdSignIn(hubUrl);
    await signInWithKey(second, keyA);
    await expect(finishSignIn(second)).resolves.toEqual(expect.objectContaining({ id: userId }));
    expect(newerFetch.isDone()).toBe(true);

    olderFetch.answer(404, 'not found');
    expect(await firstOutcome).toEqual(
      expect.objectContaining({ code: ConnectorErrorCodes.InvalidResponse })
    );

    // A third sign-in uses the newer key set: no request reaches the hub's key set.
    const third = await startOpenIdSignIn(hubUrl);
    await signInWithKey(third, keyA);
    await expect(finishSignIn(third)).resolves.toEqual(expect.objectContaining({ id: userId }));
    expect(keySetFetches.get(hubUrl)).toBe(2);
  });

  describe('key rotation', () => {
    const signInAt = async (hubUrl: string, key: SigningKey) => {
      const flow = await startOpenIdSignIn(hubUrl);
      await signInWithKey(flow, key);
      return flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession);
    };

    /** Signs in with key A, then with key B once the cached set is over a minute old. */
    const rotateToKeyB = async (hubUrl: string) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2025-06-01T12:00:00Z'));
      mockKeySet(hubUrl, keyA);
      await signInAt(hubUrl, keyA);

      vi.setSystemTime(new Date('2025-06-01T12:01:01Z'));
      const rotated = mockKeySet(hubUrl, keyA, keyB);
      const result = await signInAt(hubUrl, keyB);
      return { rotated, result };
    };

    it('refetches the key set once for an unknown kid and accepts the new key', async () => {
      const hubUrl = nextHubUrl('idt');

      const { rotated, result } = await rotateToKeyB(hubUrl);

      expect(result).toEqual(expect.objectContaining({ id: userId }));
      expect(rotated.isDone()).toBe(true);
      expect(keySetFetches.get(hubUrl)).toBe(2);
    });

    it('does not refetch for a known kid while the cached set is under 10 minutes old', async () => {
      const hubUrl = nextHubUrl('idt');
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2025-06-01T12:00:00Z'));
      mockKeySet(hubUrl, keyA);
      await signInAt(hubUrl, keyA);
      vi.setSystemTime(new Date('2025-06-01T12:09:59Z'));
      const refetch = mockKeySet(hubUrl, keyA);

      await expect(signInAt(hubUrl, keyA)).resolves.toEqual(
        expect.objectContaining({ id: userId })
      );
      expect(refetch.isDone()).toBe(false);
      expect(keySetFetches.get(hubUrl)).toBe(1);
    });

    it('refetches a set older than 10 minutes, so a key Hugging Face withdrew is refused', async () => {
      const hubUrl = nextHubUrl('idt');
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2025-06-01T12:00:00Z'));
      mockKeySet(hubUrl, keyA);
      await signInAt(hubUrl, keyA);
      vi.setSystemTime(new Date('2025-06-01T12:10:01Z'));
      const withdrawn = mockKeySet(hubUrl, keyB);

      await expectConnectorError(
        signInAt(hubUrl, keyA),
        ConnectorErrorCodes.SocialIdTokenInvalid,
        "no single key in Hugging Face's key set matches its key id (kid)"
      );
      expect(withdrawn.isDone()).toBe(true);
      expect(keySetFetches.get(hubUrl)).toBe(2);
    });

    it('does not refetch for a second unknown kid within the minute', async () => {
      const hubUrl = nextHubUrl('idt');
      await rotateToKeyB(hubUrl);
      vi.setSystemTime(new Date('2025-06-01T12:01:31Z'));
      // Published, but fetching it now would break the once-a-minute limit.
      const withKeyC = mockKeySet(hubUrl, keyA, keyB, keyC);

      await expectConnectorError(
        signInAt(hubUrl, keyC),
        ConnectorErrorCodes.SocialIdTokenInvalid,
        "no single key in Hugging Face's key set matches its key id (kid)"
      );
      expect(withKeyC.isDone()).toBe(false);
      expect(keySetFetches.get(hubUrl)).toBe(2);
    });
  });
});

describe('the key set cache bound', () => {
  it('keeps at most 16 hubs, dropping the least recently used', async () => {
    const first = nextHubUrl('idt-bound');
    mockKeySet(first, keyA);
    const firstFlow = await startOpenIdSignIn(first);
    await signInWithKey(firstFlow, keyA);
    await firstFlow.connector.getUserInfo(
      callbackDataOf(firstFlow.signIn),
      firstFlow.signIn.store.getSession
    );
    // Sixteen other hubs fill the cache and push the first one out.
    for (let index = 0; index < 16; index++) {
      const hubUrl = nextHubUrl('idt-bound');
      mockKeySet(hubUrl, keyA);
      // eslint-disable-next-line no-await-in-loop
      const flow = await startOpenIdSignIn(hubUrl);
      // eslint-disable-next-line no-await-in-loop
      await signInWithKey(flow, keyA);
      // eslint-disable-next-line no-await-in-loop
      await flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession);
    }
    const refetch = mockKeySet(first, keyA);
    const again = await startOpenIdSignIn(first);
    await signInWithKey(again, keyA);

    await expect(
      again.connector.getUserInfo(callbackDataOf(again.signIn), again.signIn.store.getSession)
    ).resolves.toEqual(expect.objectContaining({ id: userId }));
    expect(refetch.isDone()).toBe(true);
    expect(keySetFetches.get(first)).toBe(2);
  });
});

describe('the key set cache order', () => {
  /** Signs in at a hub whose key set is served once when `fetchExpected`, else not at all. */
  const signInAt = async (hubUrl: string, fetchExpected: boolean) => {
    if (fetchExpected) {
      mockKeySet(hubUrl, keyA);
    }
    const flow = await startOpenIdSignIn(hubUrl);
    await signInWithKey(flow, keyA);
    return flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession);
  };

  it('keeps 16 hubs and drops the one used least recently, not the one cached first', async () => {
    const hubs = Array.from({ length: 16 }, () => nextHubUrl('idt-lru'));
    for (const hubUrl of hubs) {
      // eslint-disable-next-line no-await-in-loop
      await signInAt(hubUrl, true);
    }
    // All 16 are kept: the first hub signs in again from the cache, and is now the latest used.
    await expect(signInAt(hubs[0]!, false)).resolves.toEqual(expect.objectContaining({ id: userId }));
    // A 17th hub: the least recently used, the second, makes room.
    await signInAt(nextHubUrl('idt-lru'), true);

    await expect(signInAt(hubs[0]!, false)).resolves.toEqual(expect.objectContaining({ id: userId }));
    await expect(signInAt(hubs[1]!, true)).resolves.toEqual(expect.objectContaining({ id: userId }));
    expect(keySetFetches.get(hubs[0]!)).toBe(1);
    expect(keySetFetches.get(hubs[1]!)).toBe(2);
  });
});

describe('the time of the ID token step', () => {
  it('ends at its own deadline while it waits for a key set fetch that another sign-in started with more time', async () => {
    const hubUrl = nextHubUrl('idt');
    const clockStart = Date.UTC(2026, 10, 24, 12, 0, 0);
    useFakeClock(clockStart);
    const patient = await startOpenIdSignIn(hubUrl, { requestTimeoutMs: 10_000 });
    const hurried = await startOpenIdSignIn(hubUrl, { requestTimeoutMs: 500 });
    const sharedFetch = heldKeySet(hubUrl);
    const [, patientUserInfo] = await signInWithKey(patient, keyA);
    const [, hurriedUserInfo] = await signInWithKey(hurried, keyA);
    const patientOutcome = finishSignIn(patient);
    await sharedFetch.arrived;
    const hurriedEnd = follow(finishSignIn(hurried));

    // The clock stands still until both sign-ins have their userinfo and wait for nothing but time
    // (or the hurried one has ended, which it must not do before its step's end).
    await until(
      () =>
        hurriedEnd.settled() !== undefined ||
        (patientUserInfo!.isDone() && hurriedUserInfo!.isDone() && timersDue().length === 3)
    );
    expect(hurriedEnd.settled()).toBeUndefined();
    // The hurried sign-in's step ends first (3 × 500 ms), then the patient one's fetch attempt
    // (10 s) and step (3 × 10 s).
    expect(timersDue()).toEqual([clockStart + 1500, clockStart + 10_000, clockStart + 30_000]);
    await vi.advanceTimersToNextTimerAsync();

    const { at, outcome } = await hurriedEnd.settling;
    const error = await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General,
      `Hugging Face's key set (JWKS) (${hubUrl}) did not answer in time (no answer within 1500 ms)`
    );
    expect(error.data.step).toBe('id_token');
    expect(at).toBe(clockStart + 1500);

    sharedFetch.answer(200, jwksOf(keyA));
    await expect(patientOutcome).resolves.toEqual(expect.objectContaining({ id: userId }));
    expect(keySetFetches.get(hubUrl)).toBe(1);
    // Both waits are over: neither leaves a timer running that would hold Logto's process.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refetches for an unknown kid only within the step\'s one bound (3 × requestTimeoutMs)', async () => {
    const flow = await startOpenIdSignIn();
    vi.useFakeTimers({ toFake: ['Date'] });
    // The first fetch of this step takes longer than the once-a-minute limit (possible with a
    // 30 s requestTimeoutMs); the step's 15 s are then spent, and no second fetch may start.
    counted(
      flow.hubUrl,
      nock(flow.hubUrl)
        .get('/oauth/jwks')
        .reply(200, () => {
          vi.setSystemTime(Date.now() + 61_000);
          return jwksOf(keyA);
        })
    );
    const second = mockKeySet(flow.hubUrl, keyA, keyB);
    await signInWithKey(flow, keyB);

    const error = await expectConnectorError(
      flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession),
      ConnectorErrorCodes.General,
      "Hugging Face's key set (JWKS) (https://hub-idt-"
    );
    expect(error.data.errorDescription).toContain('did not answer in time (no answer within 15000 ms)');
    expect(error.data.step).toBe('id_token');
    expect(second.isDone()).toBe(false);
    expect(keySetFetches.get(flow.hubUrl)).toBe(1);

    // The step that ran out of time did not drop the cached set: a token signed with a key in it
    // is verified without a fetch (the set is 61 s old, under the 10 minutes).
    const next = await startOpenIdSignIn(flow.hubUrl);
    await signInWithKey(next, keyA);
    await expect(finishSignIn(next)).resolves.toEqual(expect.objectContaining({ id: userId }));
    expect(second.isDone()).toBe(false);
    expect(keySetFetches.get(flow.hubUrl)).toBe(1);
  });
});
