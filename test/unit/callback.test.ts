import { ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
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
  redirectUri,
  type SessionStore,
  startSignIn,
  state,
} from './fixtures.js';

isolateNetwork();

const hubUrl = hubUrlFor('callback');
const requestedScope = 'profile email read-repos';

let connector: SocialConnector;
let store: SessionStore;
let unmatched: ReturnType<typeof recordUnmatchedRequests>;

beforeEach(async () => {
  connector = await createTestConnector({ clientId, clientSecret, hubUrl });
  store = createSessionStore();
  await startSignIn(connector, store, requestedScope);
  unmatched = recordUnmatchedRequests();
});

afterEach(() => {
  // Every case here fails before the token request: nothing may have reached the network.
  unmatched.stop();
  expect(unmatched.requests).toEqual([]);
});

const finish = async (data: unknown) => connector.getUserInfo(data, store.getSession);

describe('provider errors in the callback', () => {
  it('turns access_denied into AuthorizationFailed', async () => {
    const error = await expectConnectorError(
      finish({ error: 'access_denied', error_description: 'The user denied access', state }),
      ConnectorErrorCodes.AuthorizationFailed
    );

    expect(error.data.errorDescription).toContain('cancelled the sign-in on Hugging Face');
    expect(error.data).toMatchObject({
      step: 'callback',
      error: 'access_denied',
      error_description: 'The user denied access',
    });
  });

  it('turns invalid_scope into InvalidConfig naming the requested scope and the app settings', async () => {
    const error = await expectConnectorError(
      finish({ error: 'invalid_scope', state }),
      ConnectorErrorCodes.InvalidConfig
    );

    expect(error.data.errorDescription).toContain(`"${requestedScope}"`);
    expect(error.data.errorDescription).toContain("Hugging Face app's settings");
    expect(error.data.error).toBe('invalid_scope');
  });

  it('treats an error whose description is about a scope as a scope problem', async () => {
    const error = await expectConnectorError(
      finish({ error: 'invalid_request', error_description: 'Scope read-repos is not allowed', state }),
      ConnectorErrorCodes.InvalidConfig
    );

    expect(error.data.errorDescription).toContain(`"${requestedScope}"`);
  });

  it("turns any other error into General carrying Hugging Face's error and description", async () => {
    const error = await expectConnectorError(
      finish({ error: 'server_error', error_description: 'Temporarily unavailable', state }),
      ConnectorErrorCodes.General
    );

    expect(error.data.errorDescription).toBe(
      'Hugging Face returned an error instead of an authorization code: server_error (Temporarily unavailable).'
    );
    expect(error.data).toMatchObject({
      error: 'server_error',
      error_description: 'Temporarily unavailable',
    });
  });

  it('names an error sent without a description by its code alone', async () => {
    const error = await expectConnectorError(
      finish({ error: 'server_error', state }),
      ConnectorErrorCodes.General
    );

    expect(error.data.errorDescription).toBe(
      'Hugging Face returned an error instead of an authorization code: server_error.'
    );
    expect(error.data).toEqual({
      errorDescription: error.data.errorDescription,
      step: 'callback',
      error: 'server_error',
    });
  });

  it('lets the error win over a code sent with it', async () => {
    await expectConnectorError(
      finish({ ...callbackData, error: 'access_denied' }),
      ConnectorErrorCodes.AuthorizationFailed
    );
  });

  it('shortens a long provider description', async () => {
    const error = await expectConnectorError(
      finish({ error: 'server_error', error_description: 'x'.repeat(4000), state }),
      ConnectorErrorCodes.General
    );

    expect(error.data.error_description).toBe(`${'x'.repeat(200)}…`);
  });

  it('reflects an error with line breaks and HTML without its control characters', async () => {
    const error = await expectConnectorError(
      finish({
        error: 'server_error\r\nSet-Cookie: session=stolen',
        error_description: 'bad\r\n<script>alert(1)</script>\u0000\u2028end',
      }),
      ConnectorErrorCodes.General
    );

    const { errorDescription, error: reflected, error_description: description } = error.data;
    for (const text of [errorDescription, reflected, description]) {
      // eslint-disable-next-line no-control-regex -- the test is that no control character is left
      expect(text).not.toMatch(/[\u0000-\u001F\u2028]/);
    }
    expect(reflected).toBe('server_error  Set-Cookie: session=stolen');
  });
});

describe('callback without a usable code', () => {
  it('rejects a callback with neither code nor error as AuthorizationFailed', async () => {
    const error = await expectConnectorError(
      finish({ state, redirectUri: callbackData.redirectUri }),
      ConnectorErrorCodes.AuthorizationFailed
    );

    expect(error.data.errorDescription).toContain('neither an authorization code nor an error');
    expect(error.data.step).toBe('callback');
  });

  it.each([
    { case: 'a different state', data: { ...callbackData, state: 'forged-state' } },
    { case: 'an empty state', data: { ...callbackData, state: '' } },
  ])('rejects $case as AuthorizationFailed', async ({ data }) => {
    const error = await expectConnectorError(finish(data), ConnectorErrorCodes.AuthorizationFailed);

    expect(error.data.errorDescription).toContain('state does not match');
    expect(error.data.step).toBe('callback');
  });

  it.each([
    { case: 'a string', data: `code=${authorizationCode}&state=${state}` },
    { case: 'null', data: null },
    { case: 'undefined', data: undefined },
    { case: 'an array', data: [authorizationCode, state] },
    { case: 'an array of the right object', data: [{ ...callbackData }] },
    { case: 'a number', data: 42 },
    { case: 'a number as code', data: { ...callbackData, code: 12_345 } },
    { case: 'an array as code', data: { ...callbackData, code: [authorizationCode, 'second'] } },
    { case: 'an object as state', data: { ...callbackData, state: { value: state } } },
    { case: 'a number as error', data: { error: 500, state } },
    { case: 'a huge code', data: { ...callbackData, code: 'c'.repeat(5000) } },
    { case: 'a huge error_description', data: { error: 'server_error', error_description: 'd'.repeat(5000) } },
  ])('rejects $case as InvalidRequestParameters', async ({ data }) => {
    const error = await expectConnectorError(
      finish(data),
      ConnectorErrorCodes.InvalidRequestParameters
    );

    expect(error.data.errorDescription).toContain('The callback data is malformed');
    expect(error.data.step).toBe('callback');
  });
});

describe('session of the callback', () => {
  it.each([
    { case: 'an empty session', session: undefined },
    { case: 'a session without a verifier', session: { redirectUri, state } },
    {
      case: 'a session without a state',
      session: { redirectUri, codeVerifier: 'v'.repeat(43), scope: 'profile' },
    },
    {
      case: 'a session with a verifier too short for PKCE',
      session: { redirectUri, state, codeVerifier: 'short', scope: 'profile' },
    },
    {
      // What a sign-in started before scopes were kept as a list saved.
      case: 'a session whose scope is text, not a list',
      session: { hubUrl, clientId, redirectUri, state, codeVerifier: 'v'.repeat(43), scope: 'profile' },
    },
  ])('rejects $case as General', async ({ session }) => {
    const error = await expectConnectorError(
      connector.getUserInfo(callbackData, createSessionStore(session).getSession),
      ConnectorErrorCodes.General
    );

    expect(error.data.errorDescription).toContain('holds no Hugging Face PKCE verifier or state');
  });
});
