import { ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createRedactor } from '../../src/redaction.js';
import { processTokenResponse, type TokenGrant } from '../../src/token.js';

import {
  accessToken,
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
  savedCodeVerifier,
  type SessionStore,
  startSignIn,
  tokenEndpoint,
  tokenSuccess,
  userInfoEndpoint,
} from './fixtures.js';

isolateNetwork();

const hubUrl = hubUrlFor('token');
const userId = '6512f0d5c9a8b7e6d5c4b3a2';

let connector: SocialConnector;
let store: SessionStore;
let codeVerifier: string;
let unmatched: ReturnType<typeof recordUnmatchedRequests>;

beforeEach(async () => {
  connector = await createTestConnector({ clientId, clientSecret, hubUrl });
  store = createSessionStore();
  await startSignIn(connector, store);
  codeVerifier = await savedCodeVerifier(store);
  unmatched = recordUnmatchedRequests();
});

afterEach(() => {
  unmatched.stop();
});

const finish = async () => connector.getUserInfo(callbackData, store.getSession);

describe('code exchange request', () => {
  it("posts the exact form with the session's redirect URI and Basic client authentication", async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(200, tokenSuccess);
    const userInfo = userInfoEndpoint(hubUrl).reply(200, { sub: userId, name: 'Ada' });

    const result = await finish();

    expect(result).toMatchObject({ id: userId, name: 'Ada' });
    expect(token.isDone()).toBe(true);
    expect(userInfo.isDone()).toBe(true);
    expect(unmatched.requests).toEqual([]);
  });

  it('sends redirect_uri from the session, never the one in the callback data', async () => {
    const wrongRedirect = nock(hubUrl)
      .post('/oauth/token', (body: Record<string, string>) => body.redirect_uri !== redirectUri)
      .reply(200, tokenSuccess);
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(200, tokenSuccess);
    userInfoEndpoint(hubUrl).reply(200, { sub: userId });

    await finish();

    expect(token.isDone()).toBe(true);
    expect(wrongRedirect.isDone()).toBe(false);
  });

  it('returns the token response to token storage, with a string expires_in as a number', async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(200, {
      ...tokenSuccess,
      expires_in: '28800',
      refresh_token: 'hf_oauth_refreshToken2c8d1e',
    });
    userInfoEndpoint(hubUrl).reply(200, { sub: userId });

    const { tokenResponse } = await connector.getTokenResponseAndUserInfo!(
      callbackData,
      store.getSession
    );

    expect(tokenResponse).toEqual({
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: 28_800,
      scope: 'profile',
      refresh_token: 'hf_oauth_refreshToken2c8d1e',
    });
    expect(token.isDone()).toBe(true);
  });

  it.each(['Bearer', 'bearer', 'BEARER'])('accepts the token type %s', async (tokenType) => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(200, {
      ...tokenSuccess,
      token_type: tokenType,
    });
    const userInfo = userInfoEndpoint(hubUrl).reply(200, { sub: userId });

    await expect(finish()).resolves.toMatchObject({ id: userId });
    expect(token.isDone()).toBe(true);
    expect(userInfo.isDone()).toBe(true);
  });
});

describe('code exchange failures', () => {
  it('turns 400 invalid_grant into SocialAuthCodeInvalid', async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(400, {
      error: 'invalid_grant',
      error_description: 'Invalid authorization code',
    });

    const error = await expectConnectorError(finish(), ConnectorErrorCodes.SocialAuthCodeInvalid);

    expect(error.data.errorDescription).toContain('Hugging Face rejected the authorization code');
    expect(error.data).toMatchObject({
      step: 'token',
      status: 400,
      error: 'invalid_grant',
      error_description: 'Invalid authorization code',
    });
    expect(token.isDone()).toBe(true);
  });

  it('turns 401 invalid_client into InvalidConfig about the client credentials', async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(401, { error: 'invalid_client' });

    const error = await expectConnectorError(finish(), ConnectorErrorCodes.InvalidConfig);

    expect(error.data.errorDescription).toContain('client ID or client secret');
    expect(error.data).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(token.isDone()).toBe(true);
  });

  // RFC 6749 §5.2: a failed client authentication is invalid_client, answered 400 or 401; a 401
  // means the Basic credentials were refused whatever the body says.
  it.each([
    { case: '400 invalid_client', status: 400, body: { error: 'invalid_client' } },
    { case: '401 without an OAuth error', status: 401, body: 'Unauthorized' },
  ])('turns $case into InvalidConfig about the client credentials', async ({ status, body }) => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(status, body);

    const error = await expectConnectorError(finish(), ConnectorErrorCodes.InvalidConfig);

    expect(error.data.errorDescription).toContain('client ID or client secret');
    expect(error.data).toMatchObject({ step: 'token', status });
    expect(token.isDone()).toBe(true);
  });

  it('turns a 500 with a text body into General carrying that text', async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(500, 'upstream database unavailable', {
      'content-type': 'text/plain',
    });

    const error = await expectConnectorError(finish(), ConnectorErrorCodes.General);

    expect(error.data.errorDescription).toBe(
      "Hugging Face's token endpoint answered 500 (upstream database unavailable)."
    );
    expect(error.data).toMatchObject({ status: 500, error_description: 'upstream database unavailable' });
    expect(token.isDone()).toBe(true);
  });

  it('does not follow a redirect to another host', async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(302, '', {
      location: 'https://elsewhere.test/oauth/token',
    });
    const elsewhere = nock('https://elsewhere.test').post('/oauth/token').reply(200, tokenSuccess);

    const error = await expectConnectorError(finish(), ConnectorErrorCodes.General);

    expect(error.data.errorDescription).toContain(
      "Hugging Face's token endpoint answered with a redirect (302), which is not followed"
    );
    expect(token.isDone()).toBe(true);
    expect(elsewhere.isDone()).toBe(false);
    expect(unmatched.requests).toEqual([]);
  });

  it('does not call a 304 a redirect: nothing was asked conditionally (RFC 9110 15.4.5)', async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(304);

    const error = await expectConnectorError(finish(), ConnectorErrorCodes.General);

    expect(error.data.errorDescription).toBe("Hugging Face's token endpoint answered 304.");
    expect(token.isDone()).toBe(true);
  });

  it('keeps a transport failure as a non-enumerable cause, outside the data Logto shows', async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(200, 'x'.repeat(2 * 1024 * 1024));

    const error = await expectConnectorError(finish(), ConnectorErrorCodes.InvalidResponse);

    expect(error.data.errorDescription).toContain('is too large');
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).name).toBe('TransportError');
    // What a log of the cause shows: why there was no usable answer, and its detail.
    expect((error.cause as Error).message).toBe(`too_large: body over ${1024 * 1024} bytes`);
    expect(Object.keys(error)).not.toContain('cause');
    expect(JSON.stringify(error.data)).not.toContain('TransportError');
    expect(token.isDone()).toBe(true);
  });

  it('never retries the token request: a 503 yields exactly one request', async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(503, 'busy');

    const error = await expectConnectorError(finish(), ConnectorErrorCodes.General);

    expect(error.data.errorDescription).toBe("Hugging Face's token endpoint answered 503 (busy).");
    expect(token.isDone()).toBe(true);
    expect(unmatched.requests).toEqual([]);
  });

  it('turns a body that is not JSON into InvalidResponse', async () => {
    const token = tokenEndpoint(hubUrl, codeVerifier).reply(200, '<html>Hub</html>', {
      'content-type': 'text/html',
    });

    const error = await expectConnectorError(finish(), ConnectorErrorCodes.InvalidResponse);

    expect(error.data.errorDescription).toBe("Hugging Face's token response is malformed (body).");
    expect(token.isDone()).toBe(true);
  });
});

describe('processTokenResponse on a 200', () => {
  const grant: TokenGrant = {
    grantType: 'authorization_code',
    code: authorizationCode,
    redirectUri,
    codeVerifier: 'v'.repeat(43),
  };
  const ok = (body: string) => ({ status: 200, body });

  it.each([
    { case: 'not JSON', body: 'access_token=hf_oauth_x', fields: 'body' },
    { case: 'a JSON array', body: JSON.stringify([tokenSuccess]), fields: 'body' },
    { case: 'no access_token', body: JSON.stringify({ token_type: 'bearer' }), fields: 'access_token' },
    { case: 'an empty access_token', body: JSON.stringify({ ...tokenSuccess, access_token: '' }), fields: 'access_token' },
    { case: 'token_type "mac"', body: JSON.stringify({ ...tokenSuccess, token_type: 'mac' }), fields: 'token_type' },
    { case: 'no token_type', body: JSON.stringify({ access_token: accessToken }), fields: 'token_type' },
    { case: 'an empty object', body: '{}', fields: 'access_token, token_type' },
    { case: 'a non-numeric expires_in', body: JSON.stringify({ ...tokenSuccess, expires_in: '8h' }), fields: 'expires_in' },
  ])('rejects $case as InvalidResponse', async ({ body, fields }) => {
    const error = await expectConnectorError(
      Promise.resolve().then(() => processTokenResponse(ok(body), grant, createRedactor())),
      ConnectorErrorCodes.InvalidResponse
    );

    expect(error.data.errorDescription).toBe(`Hugging Face's token response is malformed (${fields}).`);
    expect(error.data.step).toBe('token');
  });

  it.each([
    { expiresIn: '28800', expected: 28_800 },
    { expiresIn: 28_800, expected: 28_800 },
  ])('reads expires_in $expiresIn as $expected', ({ expiresIn, expected }) => {
    const tokens = processTokenResponse(
      ok(JSON.stringify({ ...tokenSuccess, expires_in: expiresIn })),
      grant,
      createRedactor()
    );

    expect(tokens.expires_in).toBe(expected);
  });
});
