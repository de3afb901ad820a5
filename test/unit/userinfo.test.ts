import { ConnectorErrorCodes, type SocialConnector, socialUserInfoGuard } from '@logto/connector-kit';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  callbackData,
  clientId,
  clientSecret,
  createSessionStore,
  createTestConnector,
  expectConnectorError,
  hubUrlFor,
  isolateNetwork,
  recordUnmatchedRequests,
  savedCodeVerifier,
  type SessionStore,
  startSignIn,
  tokenEndpoint,
  tokenSuccess,
  userInfoEndpoint,
} from './fixtures.js';

isolateNetwork();

const userId = '6512f0d5c9a8b7e6d5c4b3a2';
let hubCount = 0;

type SignIn = {
  hubUrl: string;
  connector: SocialConnector;
  store: SessionStore;
  token: nock.Scope;
  finish: () => ReturnType<SocialConnector['getUserInfo']>;
};

/** Starts a sign-in on a hub of its own and answers the code exchange with a token. */
const signInUpToUserInfo = async (extra: Record<string, unknown> = {}): Promise<SignIn> => {
  hubCount += 1;
  const hubUrl = hubUrlFor(`userinfo-${hubCount}`);
  const connector = await createTestConnector({ clientId, clientSecret, hubUrl, ...extra });
  const store = createSessionStore();
  await startSignIn(connector, store);
  const token = tokenEndpoint(hubUrl, await savedCodeVerifier(store)).reply(200, tokenSuccess);
  return {
    hubUrl,
    connector,
    store,
    token,
    finish: async () => connector.getUserInfo(callbackData, store.getSession),
  };
};

let unmatched: ReturnType<typeof recordUnmatchedRequests>;

beforeAll(() => {
  unmatched = recordUnmatchedRequests();
});

afterEach(() => {
  unmatched.requests.length = 0;
});

afterAll(() => {
  unmatched.stop();
});

describe('userinfo request', () => {
  it('sends the access token as a Bearer token', async () => {
    const signIn = await signInUpToUserInfo();
    const userInfo = userInfoEndpoint(signIn.hubUrl).reply(200, { sub: userId });

    await expect(signIn.finish()).resolves.toMatchObject({ id: userId });
    expect(signIn.token.isDone()).toBe(true);
    expect(userInfo.isDone()).toBe(true);
    expect(unmatched.requests).toEqual([]);
  });

  it('turns a 401 into SocialAccessTokenInvalid', async () => {
    const signIn = await signInUpToUserInfo();
    const userInfo = userInfoEndpoint(signIn.hubUrl).reply(401, { error: 'invalid_token' });

    const error = await expectConnectorError(
      signIn.finish(),
      ConnectorErrorCodes.SocialAccessTokenInvalid
    );

    expect(error.data).toMatchObject({ step: 'userinfo', status: 401, error: 'invalid_token' });
    expect(userInfo.isDone()).toBe(true);
    expect(unmatched.requests).toEqual([]);
  });

  it('succeeds after a 429', async () => {
    const signIn = await signInUpToUserInfo();
    const userInfo = userInfoEndpoint(signIn.hubUrl)
      .reply(429, 'slow down', { 'retry-after': '0' })
      .get('/oauth/userinfo')
      .matchHeader('authorization', `Bearer ${tokenSuccess.access_token}`)
      .reply(200, { sub: userId });

    await expect(signIn.finish()).resolves.toMatchObject({ id: userId });
    expect(userInfo.isDone()).toBe(true);
    expect(unmatched.requests).toEqual([]);
  });

  // How often and how long userinfo is retried is tested on a fake clock in transport.test.ts.
});

describe('userinfo bodies', () => {
  it.each([
    { case: 'invalid JSON', body: '{"sub": ', fragment: 'is not a JSON object' },
    { case: 'a JSON array', body: JSON.stringify([{ sub: userId }]), fragment: 'is not a JSON object' },
    { case: 'JSON null', body: 'null', fragment: 'is not a JSON object' },
    { case: 'a JSON number', body: '42', fragment: 'is not a JSON object' },
    { case: 'a JSON string', body: JSON.stringify(userId), fragment: 'is not a JSON object' },
    { case: 'no sub', body: JSON.stringify({ name: 'Ada' }), fragment: 'has no "sub"' },
    { case: 'a blank sub', body: JSON.stringify({ sub: '  ' }), fragment: 'has no "sub"' },
    { case: 'a numeric sub', body: JSON.stringify({ sub: 42 }), fragment: 'has no "sub"' },
  ])('rejects $case as InvalidResponse', async ({ body, fragment }) => {
    const signIn = await signInUpToUserInfo();
    const userInfo = userInfoEndpoint(signIn.hubUrl).reply(200, body, {
      'content-type': 'application/json',
    });

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.InvalidResponse);

    expect(error.data.errorDescription).toContain(fragment);
    expect(userInfo.isDone()).toBe(true);
  });

  it('rejects a body over 1 MiB as InvalidResponse without retrying', async () => {
    const signIn = await signInUpToUserInfo();
    const padding = 'p'.repeat(1024 * 1024);
    const userInfo = userInfoEndpoint(signIn.hubUrl).reply(200, JSON.stringify({ sub: userId, padding }), {
      'content-type': 'application/json',
    });

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.InvalidResponse);

    expect(error.data.errorDescription).toContain('is too large');
    expect(userInfo.isDone()).toBe(true);
    expect(unmatched.requests).toEqual([]);
  });

  it('keeps every field, unknown ones included, in rawData', async () => {
    const signIn = await signInUpToUserInfo();
    const body = {
      sub: userId,
      name: 'Ada Lovelace',
      preferred_username: 'ada',
      isPro: false,
      plan: 'team',
      orgs: [{ sub: '5e67bd5b1009063689407478', name: 'Hugging Face', securityRestrictions: ['mfa'] }],
      futureField: { nested: [1, 'two', null] },
    };
    userInfoEndpoint(signIn.hubUrl).reply(200, body);

    const result = await signIn.finish();

    expect(result.rawData).toEqual(body);
  });
});

describe('mapping to Logto user info', () => {
  const base = { sub: userId, preferred_username: 'ada' };

  it.each([
    {
      case: 'the display name as name',
      body: { ...base, name: 'Ada Lovelace' },
      expected: { id: userId, name: 'Ada Lovelace' },
    },
    {
      case: 'the username when the display name is empty',
      body: { ...base, name: '' },
      expected: { id: userId, name: 'ada' },
    },
    {
      case: 'the username when the display name is white space',
      body: { ...base, name: ' \t ' },
      expected: { id: userId, name: 'ada' },
    },
    {
      case: 'the username when there is no display name',
      body: base,
      expected: { id: userId, name: 'ada' },
    },
    {
      case: 'picture as avatar',
      body: { ...base, picture: 'https://cdn.test/ada.png' },
      expected: { id: userId, name: 'ada', avatar: 'https://cdn.test/ada.png' },
    },
    {
      case: 'a verified email',
      body: { ...base, email: 'ada@example.com', email_verified: true },
      expected: { id: userId, name: 'ada', email: 'ada@example.com' },
    },
    {
      case: 'no email when email_verified is false',
      body: { ...base, email: 'ada@example.com', email_verified: false },
      expected: { id: userId, name: 'ada' },
    },
    {
      case: 'no email when email_verified is missing',
      body: { ...base, email: 'ada@example.com' },
      expected: { id: userId, name: 'ada' },
    },
    {
      case: 'no email when email_verified is the text "true"',
      body: { ...base, email: 'ada@example.com', email_verified: 'true' },
      expected: { id: userId, name: 'ada' },
    },
    {
      case: 'only the id when nothing else is given',
      body: { sub: userId },
      expected: { id: userId },
    },
    {
      case: 'the username when the display name is not text, keeping it in rawData',
      body: { ...base, name: 42 },
      expected: { id: userId, name: 'ada' },
    },
    {
      case: 'no avatar when picture is not text, keeping it in rawData',
      body: { ...base, picture: { url: 'https://cdn.test/ada.png' } },
      expected: { id: userId, name: 'ada' },
    },
    {
      case: 'fields Hugging Face adds later into rawData only',
      body: {
        ...base,
        plan: 'team',
        securityRestrictions: ['mfa'],
        hardwareItems: [{ kind: 'gpu', sku: ['Nvidia', 'RTX 4090'], num: 1 }],
      },
      expected: { id: userId, name: 'ada' },
    },
  ])('maps $case', async ({ body, expected }) => {
    const signIn = await signInUpToUserInfo();
    userInfoEndpoint(signIn.hubUrl).reply(200, body);

    const { rawData, ...mapped } = await signIn.finish();

    expect(mapped).toEqual(expected);
    expect(rawData).toEqual(body);
  });
});

describe('a userinfo Logto must be able to keep as rawData', () => {
  /** `{ sub, orgs: { a: { a: … } } }`: the object itself is level 1. */
  const nestedUserInfo = (levels: number) => {
    let inner: Record<string, unknown> = { leaf: true };
    for (let level = 2; level < levels; level++) {
      inner = { a: inner };
    }
    return `{"sub":"${userId}","orgs":${JSON.stringify(inner)}}`;
  };

  it('refuses a userinfo nested 5,000 levels deep as InvalidResponse', async () => {
    const signIn = await signInUpToUserInfo();
    const deep = `{"sub":"${userId}","x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    userInfoEndpoint(signIn.hubUrl).reply(200, deep, { 'content-type': 'application/json' });

    const error = await expectConnectorError(
      signIn.finish(),
      ConnectorErrorCodes.InvalidResponse,
      "Hugging Face's userinfo nests deeper than 16 levels"
    );
    expect(error.data).toMatchObject({ step: 'userinfo', status: 200 });
  });

  it('refuses 17 levels and keeps 16, which survive JSON.stringify and socialUserInfoGuard', async () => {
    const refused = await signInUpToUserInfo();
    userInfoEndpoint(refused.hubUrl).reply(200, nestedUserInfo(17), {
      'content-type': 'application/json',
    });
    await expectConnectorError(refused.finish(), ConnectorErrorCodes.InvalidResponse, 'nests deeper');

    const kept = await signInUpToUserInfo();
    userInfoEndpoint(kept.hubUrl).reply(200, nestedUserInfo(16), {
      'content-type': 'application/json',
    });
    const userInfo = await kept.finish();

    expect(userInfo.rawData).toEqual(JSON.parse(nestedUserInfo(16)));
    expect(JSON.parse(JSON.stringify(userInfo))).toEqual(userInfo);
    expect(socialUserInfoGuard.safeParse(userInfo).success).toBe(true);
  });
});

