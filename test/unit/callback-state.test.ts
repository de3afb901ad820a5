/**
 * `state` as Logto's two callback pages post it.
 *
 * - The sign-in page (`packages/experience/src/pages/SocialSignInWebCallback/
 *   use-social-sign-in-listener.ts`) checks `state` in the browser, removes it
 *   (`const { state, ...rest } = parseQueryParameters(searchParameters)`) and posts the rest
 *   with `redirectUri: ${origin}/callback/${connectorId}`.
 * - The Account Center (`packages/account/src/pages/SocialCallback/index.tsx`) posts the whole
 *   query, `state` included, with `redirectUri: ${origin}/account/callback/social/${connectorId}`,
 *   the URI it started the sign-in with.
 */
import { ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  accessToken,
  accountCenterCallbackData,
  authorizationCode,
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
  state,
  tokenEndpoint,
  tokenSuccess,
  userInfoEndpoint,
} from './fixtures.js';

isolateNetwork();

const hubUrl = hubUrlFor('callback-state');
const userId = '65a1b2c3d4e5f60718293a4b';

let connector: SocialConnector;
let unmatched: ReturnType<typeof recordUnmatchedRequests>;

beforeEach(async () => {
  connector = await createTestConnector({ clientId, clientSecret, hubUrl });
  unmatched = recordUnmatchedRequests();
});

afterEach(() => {
  unmatched.stop();
});

const startedSignIn = async (): Promise<SessionStore> => {
  const store = createSessionStore();
  await startSignIn(connector, store);
  return store;
};

describe("Logto's sign-in page: the query without state", () => {
  it('completes the sign-in and exchanges the code', async () => {
    const store = await startedSignIn();
    const token = tokenEndpoint(hubUrl, await savedCodeVerifier(store)).reply(200, tokenSuccess);
    const userInfo = userInfoEndpoint(hubUrl).reply(200, { sub: userId, name: 'Ada' });

    expect(callbackData).not.toHaveProperty('state');
    const result = await connector.getUserInfo(callbackData, store.getSession);

    expect(result).toMatchObject({ id: userId, name: 'Ada' });
    expect(token.isDone()).toBe(true);
    expect(userInfo.isDone()).toBe(true);
    expect(unmatched.requests).toEqual([]);
  });

  it('still reports a cancel posted without state as AuthorizationFailed', async () => {
    const store = await startedSignIn();

    const error = await expectConnectorError(
      connector.getUserInfo(
        { error: 'access_denied', error_description: 'The user denied access', redirectUri: callbackData.redirectUri },
        store.getSession
      ),
      ConnectorErrorCodes.AuthorizationFailed
    );

    expect(error.data.errorDescription).toContain('cancelled the sign-in');
    expect(unmatched.requests).toEqual([]);
  });
});

describe("Logto's Account Center: the whole query, state included", () => {
  const accountRedirectUri = accountCenterCallbackData.redirectUri;

  it('links with the redirect URI the sign-in was started with', async () => {
    const store = createSessionStore();
    await connector.getAuthorizationUri(
      {
        state,
        redirectUri: accountRedirectUri,
        connectorId: 'hf-connector',
        connectorFactoryId: 'huggingface-oidc-universal',
        jti: 'jti-account',
        headers: {},
      },
      store.setSession
    );
    const codeVerifier = await savedCodeVerifier(store);
    const token = nock(hubUrl)
      .post(
        '/oauth/token',
        `grant_type=authorization_code&code=${authorizationCode}&redirect_uri=${encodeURIComponent(
          accountRedirectUri
        )}&code_verifier=${codeVerifier}`
      )
      .basicAuth({ user: clientId, pass: clientSecret })
      .reply(200, tokenSuccess);
    const userInfo = nock(hubUrl)
      .get('/oauth/userinfo')
      .matchHeader('authorization', `Bearer ${accessToken}`)
      .reply(200, { sub: userId, preferred_username: 'ada' });

    const result = await connector.getUserInfo(accountCenterCallbackData, store.getSession);

    expect(result).toMatchObject({ id: userId, name: 'ada' });
    expect(token.isDone()).toBe(true);
    expect(userInfo.isDone()).toBe(true);
    expect(unmatched.requests).toEqual([]);
  });
});

describe('an API client that forwards state', () => {
  it('completes the sign-in when the forwarded state is the one Logto generated', async () => {
    const store = await startedSignIn();
    const token = tokenEndpoint(hubUrl, await savedCodeVerifier(store)).reply(200, tokenSuccess);
    userInfoEndpoint(hubUrl).reply(200, { sub: userId });

    const result = await connector.getUserInfo({ ...callbackData, state }, store.getSession);

    expect(result.id).toBe(userId);
    expect(token.isDone()).toBe(true);
  });

  it.each([
    { case: 'another sign-in’s state', forwarded: 'logto-state-of-another-sign-in' },
    { case: 'an empty state', forwarded: '' },
    { case: 'the state in another case', forwarded: state.toUpperCase() },
  ])('refuses $case before anything reaches Hugging Face', async ({ forwarded }) => {
    const store = await startedSignIn();

    const error = await expectConnectorError(
      connector.getUserInfo({ ...callbackData, state: forwarded }, store.getSession),
      ConnectorErrorCodes.AuthorizationFailed
    );

    expect(error.data.errorDescription).toContain('The callback state does not match');
    expect(unmatched.requests).toEqual([]);
  });
});

describe('a session without a stored state', () => {
  it('is refused, with or without state in the callback', async () => {
    const store = await startedSignIn();
    const { state: _saved, ...withoutState } = await store.getSession();
    const stateless = createSessionStore(withoutState);

    for (const data of [callbackData, { ...callbackData, state }]) {
      // eslint-disable-next-line no-await-in-loop
      const error = await expectConnectorError(
        connector.getUserInfo(data, stateless.getSession),
        ConnectorErrorCodes.General
      );
      expect(error.data.errorDescription).toContain('holds no Hugging Face PKCE verifier or state');
    }
    expect(unmatched.requests).toEqual([]);
  });
});

describe('a config changed while the user was on Hugging Face', () => {
  it.each([
    { case: 'the hub URL', change: { hubUrl: hubUrlFor('callback-state-other') }, named: 'hub URL' },
    { case: 'the client ID', change: { clientId: 'another-hf-client-id' }, named: 'client ID' },
  ])('refuses the callback when $case changed, sending nothing to either hub', async ({ change, named }) => {
    const store = await startedSignIn();
    const changed = await createTestConnector({ clientId, clientSecret, hubUrl, ...change });
    // Both token endpoints are ready to answer: neither may be asked.
    const original = tokenEndpoint(hubUrl, await savedCodeVerifier(store)).reply(200, tokenSuccess);
    const other = nock(hubUrlFor('callback-state-other')).post('/oauth/token').reply(200, tokenSuccess);

    const error = await expectConnectorError(
      changed.getUserInfo(callbackData, store.getSession),
      ConnectorErrorCodes.General,
      `The connector's ${named} changed after this sign-in started`
    );

    expect(error.data.errorDescription).toContain('nothing was sent');
    expect(original.isDone()).toBe(false);
    expect(other.isDone()).toBe(false);
    expect(unmatched.requests).toEqual([]);
  });

  it('refuses a session that does not record its hub and client (started before they were recorded)', async () => {
    const store = await startedSignIn();
    const { hubUrl: _hub, clientId: _client, ...unbound } = await store.getSession();

    const error = await expectConnectorError(
      connector.getUserInfo(callbackData, createSessionStore(unbound).getSession),
      ConnectorErrorCodes.General,
      'holds no Hugging Face PKCE verifier or state'
    );

    expect(error.data.step).toBe('callback');
    expect(unmatched.requests).toEqual([]);
  });
});
