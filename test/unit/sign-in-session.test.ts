/**
 * Reading the sign-in session back at the callback. Logto keeps the connector session as JSON and
 * may hand the callback to another replica, or to a sign-in started by another connector; the
 * connector must then refuse with an error that says to start again, before it sends anything to
 * Hugging Face. The PKCE verifier it finds must be one RFC 7636 §4.1 allows (43 to 128 characters
 * of `A-Z a-z 0-9 - . _ ~`), since Hugging Face would reject any other.
 */
import { ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  callbackData,
  clientId,
  clientSecret,
  createSessionStore,
  createTestConnector,
  expectConnectorError,
  isolateNetwork,
  recordUnmatchedRequests,
  type SessionStore,
  startSignIn,
  tokenSuccess,
} from './fixtures.js';

isolateNetwork();

const userId = '65a1b2c3d4e5f60718293a4c';
let hubCount = 0;
let hubUrl: string;
let connector: SocialConnector;
let store: SessionStore;
let saved: Record<string, unknown>;
let unmatched: ReturnType<typeof recordUnmatchedRequests>;

beforeEach(async () => {
  hubCount += 1;
  hubUrl = `https://hub-session-${hubCount}.test`;
  connector = await createTestConnector({ clientId, clientSecret, hubUrl });
  store = createSessionStore();
  await startSignIn(connector, store);
  saved = { ...(await store.getSession()) };
  unmatched = recordUnmatchedRequests();
});

afterEach(() => {
  unmatched.stop();
});

/** Replaces the stored session, as another replica or connector could have left it. */
const storeSession = async (session: Record<string, unknown>) => {
  await store.setSession(session);
};

const expectStartAgain = async () => {
  const error = await expectConnectorError(
    connector.getUserInfo(callbackData, store.getSession),
    ConnectorErrorCodes.General,
    'Start the sign-in again'
  );
  expect(error.data.step).toBe('callback');
  // Nothing was sent to Hugging Face.
  expect(unmatched.requests).toEqual([]);
  return error;
};

/** Serves a code exchange that must carry `codeVerifier`, then the userinfo. */
const serveExchangeWith = (codeVerifier: string) => {
  const exchange = nock(hubUrl)
    .post('/oauth/token', (form: Record<string, string>) => form.code_verifier === codeVerifier)
    .reply(200, tokenSuccess);
  nock(hubUrl).get('/oauth/userinfo').reply(200, { sub: userId });
  return exchange;
};

describe('a session the connector cannot use', () => {
  it('is refused when nothing was stored', async () => {
    const empty = createSessionStore();

    const error = await expectConnectorError(
      connector.getUserInfo(callbackData, empty.getSession),
      ConnectorErrorCodes.General,
      'Start the sign-in again'
    );
    expect(error.data.step).toBe('callback');
  });

  it.each(['codeVerifier', 'state', 'redirectUri', 'scope'])(
    'is refused without %s',
    async (key) => {
      const { [key]: _left, ...rest } = saved;
      await storeSession(rest);

      await expectStartAgain();
    }
  );

  it.each([
    ['an empty state', { state: '' }],
    ['an empty redirect URI', { redirectUri: '' }],
    ['an empty nonce', { nonce: '' }],
    ['a scope saved as text, as sessions started before scopes became a list', { scope: 'profile' }],
    ['a scope not shaped like a Hugging Face scope', { scope: ['profile', 'read repos'] }],
    ['a scope that is not text', { scope: ['profile', 42] }],
    ['a numeric verifier', { codeVerifier: 12_345 }],
  ])('is refused with %s', async (_case, change) => {
    await storeSession({ ...saved, ...change });

    await expectStartAgain();
  });
});

describe('the PKCE verifier (RFC 7636 §4.1)', () => {
  it.each([
    ['42 characters', 'a'.repeat(42)],
    ['129 characters', 'a'.repeat(129)],
    ['a "+"', `${'a'.repeat(42)}+`],
    ['a "/"', `${'a'.repeat(42)}/`],
    ['a "="', `${'a'.repeat(42)}=`],
    ['a space', `${'a'.repeat(42)} `],
  ])('is refused with %s', async (_case, codeVerifier) => {
    await storeSession({ ...saved, codeVerifier });

    await expectStartAgain();
  });

  it.each([
    ['43 characters', 'b'.repeat(43)],
    ['128 characters', 'c'.repeat(128)],
    ['every unreserved character', `AZaz09-._~${'x'.repeat(33)}`],
  ])('is sent to the token endpoint with %s', async (_case, codeVerifier) => {
    await storeSession({ ...saved, codeVerifier });
    const exchange = serveExchangeWith(codeVerifier);

    await expect(connector.getUserInfo(callbackData, store.getSession)).resolves.toMatchObject({
      id: userId,
    });
    expect(exchange.isDone()).toBe(true);
  });
});

describe('a config changed while the user was on Hugging Face', () => {
  it('names both the hub URL and the client ID when both changed, at the callback step', async () => {
    const changed = await createTestConnector({
      clientId: 'another-hf-client-id',
      clientSecret,
      hubUrl: hubUrl.replace('.test', '-moved.test'),
    });

    const error = await expectConnectorError(
      changed.getUserInfo(callbackData, store.getSession),
      ConnectorErrorCodes.General,
      "The connector's hub URL and client ID changed after this sign-in started"
    );

    expect(error.data.step).toBe('callback');
    expect(unmatched.requests).toEqual([]);
  });
});

describe('a sign-in that asked for an extra scope', () => {
  it('finishes: the session keeps a scope outside the known list', async () => {
    const withExtra = await createTestConnector({
      clientId,
      clientSecret,
      hubUrl,
      scope: 'profile read-papers',
      extraScopes: 'read-papers',
    });
    const extraStore = createSessionStore();
    await startSignIn(withExtra, extraStore);
    const { codeVerifier } = await extraStore.getSession();
    const exchange = serveExchangeWith(String(codeVerifier));

    await expect(withExtra.getUserInfo(callbackData, extraStore.getSession)).resolves.toMatchObject({
      id: userId,
    });
    expect(exchange.isDone()).toBe(true);
  });
});

describe('a session written by another replica', () => {
  it('finishes the sign-in from the stored JSON alone', async () => {
    const otherReplica = await createTestConnector({ clientId, clientSecret, hubUrl });
    const exchange = serveExchangeWith(String(saved.codeVerifier));

    await expect(otherReplica.getUserInfo(callbackData, store.getSession)).resolves.toMatchObject({
      id: userId,
    });
    expect(exchange.isDone()).toBe(true);
  });
});
