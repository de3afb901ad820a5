import { ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  callbackDataOf,
  clientCredentials,
  createSigningKey,
  createTestConnector,
  expectConnectorError,
  mockCodeExchange,
  mockKeySet,
  mockUserInfo,
  nextHubUrl,
  type SigningKey,
  signIdToken,
  type StartedSignIn,
  startSignIn,
  unsecuredIdToken,
  validIdTokenClaims,
} from './crypto-fixtures.js';
import { isolateNetwork } from './fixtures.js';

isolateNetwork();

const userId = '64b7f0c2a1e3d4f5a6b7c8d9';
const refreshToken = 'rt-9f8e7d6c5b4a3210-rotating';
const rotatedRefreshToken = 'rt-0a1b2c3d4e5f6789-rotated';

const userInfoBody = {
  sub: userId,
  name: 'Katherine Johnson',
  preferred_username: 'kjohnson',
  picture: 'https://cdn.test/avatars/kj.png',
  email: 'kj@example.test',
  email_verified: true,
  isPro: true,
  orgs: [{ sub: '5e67bd5b1009063689407478', name: 'NASA', preferred_username: 'nasa' }],
};

let signingKey: SigningKey;

beforeAll(async () => {
  signingKey = await createSigningKey('storage-key');
});

const connectorFor = async (hubUrl: string, scope = 'openid profile email') =>
  createTestConnector({ ...clientCredentials, scope, hubUrl });

/** Serves one sign-in's token exchange, key set and userinfo; returns the token response sent. */
const serveOpenIdSignIn = async (
  hubUrl: string,
  signIn: StartedSignIn,
  extra: Record<string, unknown> = {}
) => {
  const idToken = await signIdToken(validIdTokenClaims(hubUrl, userId, signIn.nonce), {
    key: signingKey.privateKey,
    kid: signingKey.kid,
  });
  const tokenBody = {
    access_token: 'hf_oauth_access_0123456789abcdef',
    token_type: 'bearer',
    expires_in: 28_800,
    scope: 'openid profile email',
    id_token: idToken,
    ...extra,
  };
  const scopes = [
    mockCodeExchange(hubUrl, signIn, tokenBody),
    mockUserInfo(hubUrl, tokenBody.access_token, userInfoBody),
  ];
  return { tokenBody, scopes };
};

const refreshOf = (connector: SocialConnector) => {
  const refresh = connector.getAccessTokenByRefreshToken;
  if (!refresh) {
    throw new TypeError('The connector does not offer getAccessTokenByRefreshToken.');
  }
  return refresh;
};

/** The refresh request, matched on its exact form body and Basic authentication. */
const refreshRequest = (hubUrl: string) =>
  nock(hubUrl)
    .post('/oauth/token', `grant_type=refresh_token&refresh_token=${refreshToken}`)
    .basicAuth({ user: clientCredentials.clientId, pass: clientCredentials.clientSecret });

describe('token storage during sign-in', () => {
  it('is declared in the metadata', async () => {
    const connector = await connectorFor(nextHubUrl('tks'));

    expect(connector.metadata.isTokenStorageSupported).toBe(true);
    expect(connector.getTokenResponseAndUserInfo).toBeTypeOf('function');
    expect(connector.getAccessTokenByRefreshToken).toBeTypeOf('function');
  });

  it('returns the whole token response beside the user info', async () => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    const signIn = await startSignIn(connector);
    const keys = mockKeySet(hubUrl, signingKey);
    const { tokenBody, scopes } = await serveOpenIdSignIn(hubUrl, signIn, {
      refresh_token: refreshToken,
    });

    const result = await connector.getTokenResponseAndUserInfo?.(
      callbackDataOf(signIn),
      signIn.store.getSession
    );

    expect(result?.tokenResponse).toEqual({
      access_token: 'hf_oauth_access_0123456789abcdef',
      token_type: 'bearer',
      expires_in: 28_800,
      scope: 'openid profile email',
      refresh_token: refreshToken,
      id_token: tokenBody.id_token,
    });
    expect(result?.userInfo).toEqual({
      id: userId,
      name: 'Katherine Johnson',
      avatar: 'https://cdn.test/avatars/kj.png',
      email: 'kj@example.test',
      rawData: userInfoBody,
    });
    expect(keys.isDone()).toBe(true);
    for (const scope of scopes) {
      expect(scope.isDone()).toBe(true);
    }
  });

  it('maps the user exactly as getUserInfo does for the same responses', async () => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    mockKeySet(hubUrl, signingKey);
    const withTokens = await startSignIn(connector);
    const first = await serveOpenIdSignIn(hubUrl, withTokens, { refresh_token: refreshToken });
    const plain = await startSignIn(connector);
    const second = await serveOpenIdSignIn(hubUrl, plain, { refresh_token: refreshToken });

    const stored = await connector.getTokenResponseAndUserInfo?.(
      callbackDataOf(withTokens),
      withTokens.store.getSession
    );
    const userInfo = await connector.getUserInfo(callbackDataOf(plain), plain.store.getSession);

    expect(stored?.userInfo).toEqual(userInfo);
    for (const scope of [...first.scopes, ...second.scopes]) {
      expect(scope.isDone()).toBe(true);
    }
  });

  it('leaves refresh_token out when Hugging Face sent none', async () => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl, 'profile');
    const signIn = await startSignIn(connector);
    const accessToken = 'hf_oauth_access_norefresh0001';
    mockCodeExchange(hubUrl, signIn, {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: 28_800,
      scope: 'profile',
    });
    mockUserInfo(hubUrl, accessToken, userInfoBody);

    const result = await connector.getTokenResponseAndUserInfo?.(
      callbackDataOf(signIn),
      signIn.store.getSession
    );

    expect(result?.tokenResponse).toEqual({
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: 28_800,
      scope: 'profile',
    });
    expect(result?.tokenResponse).not.toHaveProperty('refresh_token');
  });
});

describe('getAccessTokenByRefreshToken', () => {
  it('sends exactly the refresh grant with Basic auth and returns the rotated tokens', async () => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    const scope = refreshRequest(hubUrl).reply(200, {
      access_token: 'hf_oauth_access_fresh0123456789',
      token_type: 'bearer',
      expires_in: 28_800,
      scope: 'openid profile email',
      refresh_token: rotatedRefreshToken,
    });

    const tokens = await refreshOf(connector)(refreshToken);

    expect(tokens).toEqual({
      access_token: 'hf_oauth_access_fresh0123456789',
      token_type: 'bearer',
      expires_in: 28_800,
      scope: 'openid profile email',
      refresh_token: rotatedRefreshToken,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('drops an ID token from a refresh answer: with no nonce or subject to check, it is never handed on', async () => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    const fresh = {
      access_token: 'hf_oauth_access_fresh0123456789',
      token_type: 'bearer',
      expires_in: 28_800,
      refresh_token: rotatedRefreshToken,
    };
    const scope = refreshRequest(hubUrl).reply(200, {
      ...fresh,
      id_token: unsecuredIdToken(validIdTokenClaims(hubUrl, 'attacker-chosen-sub', undefined)),
    });

    await expect(refreshOf(connector)(refreshToken)).resolves.toEqual(fresh);
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ['1e999, which JSON reads as Infinity', '1e999'],
    ['negative', '-1'],
    ['fractional', '3600.5'],
    ['over a year', '31536001'],
    ['a numeric text over a year', '"99999999999"'],
  ])('refuses an expires_in that is %s as InvalidResponse', async (_, expiresIn) => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    const scope = refreshRequest(hubUrl).reply(
      200,
      `{"access_token":"hf_oauth_access_fresh0123456789","token_type":"bearer","expires_in":${expiresIn}}`,
      { 'content-type': 'application/json' }
    );

    await expectConnectorError(
      refreshOf(connector)(refreshToken),
      ConnectorErrorCodes.InvalidResponse,
      "Hugging Face's token response is malformed (expires_in)."
    );
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ['Hugging Face\'s default of 8 hours', 28_800],
    ['30 days, the longest Hugging Face issues', 2_592_000],
    ['one year', 31_536_000],
  ])('accepts an expires_in of %s', async (_, expiresIn) => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    refreshRequest(hubUrl).reply(200, {
      access_token: 'hf_oauth_access_fresh0123456789',
      token_type: 'bearer',
      expires_in: expiresIn,
    });

    await expect(refreshOf(connector)(refreshToken)).resolves.toEqual(
      expect.objectContaining({ expires_in: expiresIn })
    );
  });

  it('reports a rejected refresh token as SocialAccessTokenInvalid: sign in again', async () => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    const scope = refreshRequest(hubUrl).reply(400, { error: 'invalid_grant' });

    const error = await expectConnectorError(
      refreshOf(connector)(refreshToken),
      ConnectorErrorCodes.SocialAccessTokenInvalid,
      'The user must sign in again.'
    );
    expect(error.data).toEqual(
      expect.objectContaining({ step: 'refresh', status: 400, error: 'invalid_grant' })
    );
    expect(scope.isDone()).toBe(true);
  });

  it('never quotes the refresh token, even when Hugging Face echoes it', async () => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    const scope = refreshRequest(hubUrl).reply(400, {
      error: 'invalid_grant',
      error_description: `refresh token ${refreshToken} was revoked`,
    });

    const error = await expectConnectorError(
      refreshOf(connector)(refreshToken),
      ConnectorErrorCodes.SocialAccessTokenInvalid
    );
    expect(error.data).toEqual(
      expect.objectContaining({ step: 'refresh', error_description: 'refresh token [redacted] was revoked' })
    );
    expect(JSON.stringify(error.data)).not.toContain(refreshToken);
    expect(scope.isDone()).toBe(true);
  });

  it('reports rejected client credentials as InvalidConfig', async () => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    const scope = refreshRequest(hubUrl).reply(401, { error: 'invalid_client' });

    const error = await expectConnectorError(
      refreshOf(connector)(refreshToken),
      ConnectorErrorCodes.InvalidConfig,
      'Hugging Face rejected the client ID or client secret.'
    );
    expect(error.data).toEqual(
      expect.objectContaining({ step: 'refresh', status: 401, error: 'invalid_client' })
    );
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    [
      'a 503',
      (interceptor: nock.Interceptor) => interceptor.reply(503, 'try later'),
      'token endpoint answered 503',
    ],
    [
      'a 429',
      (interceptor: nock.Interceptor) =>
        interceptor.reply(429, 'slow down', { 'retry-after': '0' }),
      'token endpoint answered 429',
    ],
    [
      'a reset connection',
      (interceptor: nock.Interceptor) =>
        interceptor.replyWithError(
          Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
        ),
      'could not be reached (ECONNRESET)',
    ],
  ])('never retries the refresh POST after %s', async (_, fail, fragment) => {
    const hubUrl = nextHubUrl('tks');
    const connector = await connectorFor(hubUrl);
    const failed = fail(refreshRequest(hubUrl));
    const retry = refreshRequest(hubUrl).reply(200, {
      access_token: 'hf_oauth_access_retried0123456',
      token_type: 'bearer',
    });

    await expectConnectorError(
      refreshOf(connector)(refreshToken),
      ConnectorErrorCodes.General,
      fragment
    );
    expect(failed.isDone()).toBe(true);
    expect(retry.isDone()).toBe(false);
  });

  it.each([
    [
      'invalid_grant',
      400,
      { error: 'invalid_grant', error_description: `refresh token ${refreshToken} was revoked` },
      ConnectorErrorCodes.SocialAccessTokenInvalid,
    ],
    [
      'invalid_client',
      401,
      {
        error: 'invalid_client',
        error_description: `secret ${clientCredentials.clientSecret} is unknown`,
      },
      ConnectorErrorCodes.InvalidConfig,
    ],
    [
      'a server error with a text body',
      500,
      `failed on refresh_token=${refreshToken}&secret=${clientCredentials.clientSecret}`,
      ConnectorErrorCodes.General,
    ],
    [
      'a malformed success body',
      200,
      { access_token: 42, refresh_token: refreshToken, note: clientCredentials.clientSecret },
      ConnectorErrorCodes.InvalidResponse,
    ],
  ])(
    'keeps the refresh token and client secret out of the error for %s',
    async (_, status, body, code) => {
      const hubUrl = nextHubUrl('tks');
      const connector = await connectorFor(hubUrl);
      const scope = refreshRequest(hubUrl).reply(status, body);

      const error = await expectConnectorError(
        refreshOf(connector)(refreshToken),
        code,
        'Hugging Face'
      );

      const exposed = [error.message, JSON.stringify(error.data), String(error.stack)].join('\n');
      expect(exposed).not.toContain(refreshToken);
      expect(exposed).not.toContain(clientCredentials.clientSecret);
      expect(scope.isDone()).toBe(true);
    }
  );
});
