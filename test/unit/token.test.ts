/**
 * The token endpoint: the code exchange and the refresh, each one request that is never retried,
 * what Hugging Face's answers to them mean, and what Logto's secret vault keeps (token storage).
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { createRedactor } from '../../src/redaction.js';
import { processTokenResponse, type TokenGrant } from '../../src/token.js';
import {
  accessToken,
  clientId,
  clientSecret,
  createSigningKey,
  expectConnectorError,
  isolateNetwork,
  jwksOf,
  keySetEndpoint,
  newHubUrl,
  refreshAsLogto,
  refreshEndpoint,
  refreshToken,
  type ScriptedAnswer,
  script,
  signIdToken,
  startSignIn,
  tokenEndpoint,
  tokenSuccess,
  unsecuredIdToken,
  userId,
  userInfoEndpoint,
  validIdTokenClaims,
} from '../support/kit.js';

isolateNetwork();

/** What the HTTP Basic credentials of the token request carry: base64 of `client_id:client_secret`. */
const basicCredentials = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');

describe('token storage', () => {
  it('keeps the whole answer to the code exchange, expires_in read as a number, beside the user', async () => {
    const signIn = await startSignIn({ config: { scope: 'openid profile' } });
    const key = await createSigningKey('storage-key');
    const idToken = await signIdToken(validIdTokenClaims(signIn), { key: key.privateKey, kid: key.kid });
    keySetEndpoint(signIn.hubUrl).reply(200, jwksOf(key));
    const answer = { ...tokenSuccess, expires_in: '28800', refresh_token: refreshToken, id_token: idToken };
    // The exact form, with the redirect URI saved in the session, and the client's Basic authentication.
    tokenEndpoint(signIn).matchHeader('accept', 'application/json').reply(200, answer);
    userInfoEndpoint(signIn.hubUrl).reply(200, { sub: userId });

    const { tokenResponse, userInfo } = await signIn.connector.getTokenResponseAndUserInfo!(
      signIn.signInPagePost,
      signIn.store.getSession
    );

    expect(signIn.connector.metadata.isTokenStorageSupported).toBe(true);
    expect(tokenResponse).toStrictEqual({
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: 28_800,
      scope: 'profile',
      refresh_token: refreshToken,
      id_token: idToken,
    });
    expect(userInfo).toMatchObject({ id: userId });
  });

  it('leaves out what Hugging Face did not send', async () => {
    const signIn = await startSignIn();
    tokenEndpoint(signIn).reply(200, { access_token: accessToken, token_type: 'Bearer' });
    userInfoEndpoint(signIn.hubUrl).reply(200, { sub: userId });

    const { tokenResponse } = await signIn.connector.getTokenResponseAndUserInfo!(
      signIn.signInPagePost,
      signIn.store.getSession
    );

    expect(tokenResponse).toStrictEqual({ access_token: accessToken, token_type: 'Bearer' });
  });

  it('keeps the rotated tokens of a refresh, without its ID token: no nonce or subject is known to check it', async () => {
    const hubUrl = newHubUrl('refresh');
    const fresh = {
      access_token: 'hf_oauth_access_fresh0123456789',
      token_type: 'bearer',
      expires_in: 28_800,
      scope: 'openid profile',
      refresh_token: 'hf_oauth_refresh_rotated7c2d',
    };
    const idToken = unsecuredIdToken({ iss: hubUrl, aud: clientId, sub: 'attacker-chosen-sub' });
    refreshEndpoint(hubUrl).reply(200, { ...fresh, id_token: idToken });

    await expect(refreshAsLogto(hubUrl)).resolves.toStrictEqual(fresh);
  });
});

type Grant = TokenGrant['grantType'];

/** One token request of `grant`, through the connector as Logto calls it, answered with `answer`. */
const ask = async (grant: Grant, answer: ScriptedAnswer) => {
  if (grant === 'refresh_token') {
    const hubUrl = newHubUrl('refresh');
    const { seen } = script(refreshEndpoint(hubUrl), answer);
    return { outcome: refreshAsLogto(hubUrl), seen };
  }
  const signIn = await startSignIn();
  const { seen } = script(tokenEndpoint(signIn), answer);
  return { outcome: signIn.finish(), seen };
};

describe('a token request that fails', () => {
  type Failure = { grant: Grant; answer: ScriptedAnswer; code: ConnectorErrorCodes; message: string; data: Record<string, unknown> };

  it.each<[string, Failure]>([
    [
      'the code exchange: code refused (400 invalid_grant)',
      {
        grant: 'authorization_code',
        answer: { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid authorization code' } },
        code: ConnectorErrorCodes.SocialAuthCodeInvalid,
        message:
          'Hugging Face rejected the authorization code: it expired, was already used, or does not match the redirect URI or PKCE verifier. Start the sign-in again.',
        data: { step: 'token', status: 400, error: 'invalid_grant', error_description: 'Invalid authorization code' },
      },
    ],
    [
      'a refresh: refresh token refused (400 invalid_grant), which it echoes',
      {
        grant: 'refresh_token',
        answer: { status: 400, body: { error: 'invalid_grant', error_description: `refresh token ${refreshToken} of ${basicCredentials} was revoked` } },
        code: ConnectorErrorCodes.SocialAccessTokenInvalid,
        message: 'Hugging Face rejected the refresh token: it expired, was revoked or was already used. The user must sign in again.',
        data: { step: 'refresh', status: 400, error: 'invalid_grant', error_description: 'refresh token [redacted] of [redacted] was revoked' },
      },
    ],
    // RFC 6749 5.2: a failed client authentication is invalid_client, answered 400 or 401; a 401
    // means the Basic credentials were refused whatever the body says.
    [
      'the code exchange: client refused (401 invalid_client), echoing the secret',
      {
        grant: 'authorization_code',
        answer: { status: 401, body: { error: 'invalid_client', error_description: `secret ${clientSecret} is unknown` } },
        code: ConnectorErrorCodes.InvalidConfig,
        message:
          'Hugging Face rejected the client ID or client secret. Copy both again from the Hugging Face app settings into the connector config.',
        data: { step: 'token', status: 401, error: 'invalid_client', error_description: 'secret [redacted] is unknown' },
      },
    ],
    [
      'a refresh: client refused (401 invalid_client)',
      {
        grant: 'refresh_token',
        answer: { status: 401, body: { error: 'invalid_client' } },
        code: ConnectorErrorCodes.InvalidConfig,
        message: 'Hugging Face rejected the client ID or client secret.',
        data: { step: 'refresh', status: 401, error: 'invalid_client' },
      },
    ],
    [
      'the code exchange: client refused (400 invalid_client)',
      {
        grant: 'authorization_code',
        answer: { status: 400, body: { error: 'invalid_client' } },
        code: ConnectorErrorCodes.InvalidConfig,
        message: 'Hugging Face rejected the client ID or client secret.',
        data: { step: 'token', status: 400, error: 'invalid_client' },
      },
    ],
    [
      'the code exchange: client refused (401 without an OAuth error)',
      {
        grant: 'authorization_code',
        answer: { status: 401, body: 'Unauthorized' },
        code: ConnectorErrorCodes.InvalidConfig,
        message: 'Hugging Face rejected the client ID or client secret.',
        data: { step: 'token', status: 401 },
      },
    ],
    [
      'the code exchange: 500 with a text body',
      {
        grant: 'authorization_code',
        answer: { status: 500, body: 'upstream database unavailable', headers: { 'content-type': 'text/plain' } },
        code: ConnectorErrorCodes.General,
        message: "Hugging Face's token endpoint answered 500 (upstream database unavailable).",
        data: { step: 'token', status: 500, error_description: 'upstream database unavailable' },
      },
    ],
    [
      'a refresh: 500 with a text body echoing the secrets',
      {
        grant: 'refresh_token',
        answer: { status: 500, body: `failed on refresh_token=${refreshToken}&secret=${clientSecret}` },
        code: ConnectorErrorCodes.General,
        message: "Hugging Face's token endpoint answered 500 (failed on refresh_token=[redacted]&secret=[redacted]).",
        data: { step: 'refresh', status: 500 },
      },
    ],
    [
      'the code exchange: 503, not retried',
      {
        grant: 'authorization_code',
        answer: { status: 503, body: 'busy' },
        code: ConnectorErrorCodes.General,
        message: "Hugging Face's token endpoint answered 503 (busy).",
        data: { step: 'token', status: 503 },
      },
    ],
    [
      'a refresh: 429, not retried',
      {
        grant: 'refresh_token',
        answer: { status: 429, body: 'slow down', headers: { 'retry-after': '0' } },
        code: ConnectorErrorCodes.General,
        message: "Hugging Face's token endpoint answered 429 (slow down).",
        data: { step: 'refresh', status: 429 },
      },
    ],
    [
      'a refresh: a reset connection, not retried',
      {
        grant: 'refresh_token',
        answer: { networkError: 'ECONNRESET' },
        code: ConnectorErrorCodes.General,
        message: 'could not be reached (ECONNRESET). Check the hub URL and the network, then try again.',
        data: { step: 'refresh' },
      },
    ],
    [
      'the code exchange: a redirect to another host, not followed',
      {
        grant: 'authorization_code',
        answer: { status: 302, headers: { location: 'https://elsewhere.test/oauth/token' } },
        code: ConnectorErrorCodes.General,
        message: "Hugging Face's token endpoint answered with a redirect (302), which is not followed. Check the hub URL.",
        data: { step: 'token', status: 302 },
      },
    ],
    [
      'a refresh: a redirect, not followed',
      {
        grant: 'refresh_token',
        answer: { status: 307, headers: { location: '/oauth/token-elsewhere' } },
        code: ConnectorErrorCodes.General,
        message: "Hugging Face's token endpoint answered with a redirect (307), which is not followed.",
        data: { step: 'refresh', status: 307 },
      },
    ],
    [
      // RFC 9110 15.4.5: nothing was asked conditionally.
      'the code exchange: 304, which is not a redirect',
      {
        grant: 'authorization_code',
        answer: { status: 304 },
        code: ConnectorErrorCodes.General,
        message: "Hugging Face's token endpoint answered 304.",
        data: { step: 'token', status: 304 },
      },
    ],
    [
      'the code exchange: a success whose body is HTML',
      {
        grant: 'authorization_code',
        answer: { status: 200, body: '<html>Hub</html>', headers: { 'content-type': 'text/html' } },
        code: ConnectorErrorCodes.InvalidResponse,
        message: "Hugging Face's token response is malformed (body).",
        data: { step: 'token', status: 200 },
      },
    ],
    [
      'a refresh: a malformed success echoing the secrets',
      {
        grant: 'refresh_token',
        answer: { status: 200, body: { access_token: 42, refresh_token: refreshToken, note: clientSecret } },
        code: ConnectorErrorCodes.InvalidResponse,
        message: "Hugging Face's token response is malformed (access_token, token_type).",
        data: { step: 'refresh', status: 200 },
      },
    ],
  ])('%s', async (_, { grant, answer, code, message, data }) => {
    const { outcome, seen } = await ask(grant, answer);

    const error = await expectConnectorError(outcome, code, message);

    expect(error.data).toMatchObject(data);
    expect(seen).toHaveLength(1);
    const exposed = [error.message, JSON.stringify(error.data), String(error.stack)].join('\n');
    for (const secret of [refreshToken, clientSecret, basicCredentials]) {
      expect(exposed).not.toContain(secret);
    }
  });

  it('keeps why no answer could be read as a non-enumerable cause, outside the data Logto shows', async () => {
    const { outcome } = await ask('authorization_code', { status: 200, body: 'x'.repeat(2 * 1024 * 1024) });

    const error = await expectConnectorError(outcome, ConnectorErrorCodes.InvalidResponse, 'is too large');

    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).name).toBe('TransportError');
    expect((error.cause as Error).message).toBe('too_large: body over 1048576 bytes');
    expect(Object.keys(error)).not.toContain('cause');
    expect(JSON.stringify(error.data)).not.toContain('TransportError');
  });
});

describe("reading a success (Hugging Face's quirks accepted on purpose)", () => {
  const grant: TokenGrant = { grantType: 'refresh_token', refreshToken };
  const read = (body: string) => processTokenResponse({ status: 200, body }, grant, createRedactor());
  const json = (changes: Record<string, unknown>) => JSON.stringify({ ...tokenSuccess, ...changes });

  it.each([
    ['token_type Bearer', { token_type: 'Bearer' }, { token_type: 'Bearer' }],
    ['token_type BEARER', { token_type: 'BEARER' }, { token_type: 'BEARER' }],
    ['expires_in as a numeric text', { expires_in: '28800' }, { expires_in: 28_800 }],
    ['expires_in of 30 days, the longest Hugging Face issues', { expires_in: 2_592_000 }, { expires_in: 2_592_000 }],
    ['expires_in of a year, the longest accepted', { expires_in: 31_536_000 }, { expires_in: 31_536_000 }],
  ])('accepts %s', (_, changes, expected) => {
    expect(read(json(changes))).toStrictEqual({ ...tokenSuccess, ...expected });
  });

  it.each([
    ['not JSON', 'access_token=hf_oauth_x', 'body'],
    ['a JSON array', JSON.stringify([tokenSuccess]), 'body'],
    ['an empty object', '{}', 'access_token, token_type'],
    ['no access_token', JSON.stringify({ token_type: 'bearer' }), 'access_token'],
    ['an empty access_token', json({ access_token: '' }), 'access_token'],
    ['token_type mac', json({ token_type: 'mac' }), 'token_type'],
    ['no token_type', JSON.stringify({ access_token: accessToken }), 'token_type'],
    ['an expires_in of 8h', json({ expires_in: '8h' }), 'expires_in'],
    ['an expires_in of 1e999, which JSON reads as Infinity', json({}).replace('28800', '1e999'), 'expires_in'],
    ['a negative expires_in', json({ expires_in: -1 }), 'expires_in'],
    ['a fractional expires_in', json({ expires_in: 3600.5 }), 'expires_in'],
    ['an expires_in over a year', json({ expires_in: 31_536_001 }), 'expires_in'],
    ['an expires_in text over a year', json({ expires_in: '99999999999' }), 'expires_in'],
    // Texts that JavaScript's Number() reads but that are not decimal digits alone.
    ['an expires_in text in hexadecimal', json({ expires_in: '0x10' }), 'expires_in'],
    ['an expires_in text with an exponent', json({ expires_in: '36e2' }), 'expires_in'],
    ['an expires_in text with white space around', json({ expires_in: ' 3600 ' }), 'expires_in'],
    ['an empty refresh_token', json({ refresh_token: '' }), 'refresh_token'],
    ['an empty id_token', json({ id_token: '' }), 'id_token'],
  ])('refuses %s as InvalidResponse naming the fields', (_, body, fields) => {
    expect(() => read(body)).toThrow(
      expect.objectContaining({
        code: ConnectorErrorCodes.InvalidResponse,
        data: { errorDescription: `Hugging Face's token response is malformed (${fields}).`, step: 'refresh', status: 200 },
      })
    );
  });
});
