/**
 * Whole sign-ins through the built connector against the Hugging Face stand-in (oidc-provider):
 * Logto's part is played by `logto-driver.ts`, the user's by `driveSignIn`.
 */
import { createHash } from 'node:crypto';

import { ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  demoOrganizations,
  type DemoUser,
  startHfStandIn,
  type StandIn,
  userNamed,
} from '../../stand-in/index.js';
import { createLogtoSessionStore } from '../../stand-in/logto/index.js';
import {
  createLogtoConnector,
  expectConnectorError,
  finishOnSeparateReplica,
  returnFromHuggingFace,
  startLogtoSignIn,
  type StartedLogtoSignIn,
} from './logto-driver.js';

const app = { clientId: 'logto-hf-app', clientSecret: 'logto-hf-secret-5Kq2' };
const limitedApp = {
  clientId: 'logto-hf-limited-app',
  clientSecret: 'logto-hf-limited-secret-8Wd1',
  allowedScopes: ['openid', 'profile'],
};

const ada = userNamed('ada');
const blank = userNamed('blank');
const outsider = userNamed('outsider');
const mlLab = demoOrganizations.find((org) => org.preferred_username === 'ml-lab')!;

let hf: StandIn;

beforeAll(async () => {
  hf = await startHfStandIn({ clients: [app, limitedApp] });
});

afterAll(async () => {
  // Unset when beforeAll failed before assigning it.
  await (hf as StandIn | undefined)?.close();
});

beforeEach(() => {
  hf.resetCounts();
});

let ownHostCount = 1;

/**
 * A stand-in of the test's own on a loopback address no other stand-in of this file uses, so
 * its hub URL, and with it the connector's key-set cache entry, is the test's alone.
 */
const startOwnStandIn = async (users?: readonly DemoUser[]) =>
  startHfStandIn({ clients: [app], host: `127.0.0.${++ownHostCount}`, ...(users && { users }) });

/** A connector configured for `app` at the shared stand-in. */
const connectorFor = (config: Record<string, unknown> = {}, standIn: StandIn = hf) =>
  createLogtoConnector({ ...app, scope: 'profile', hubUrl: standIn.url, ...config });

/** Starts a sign-in and brings the user back from Hugging Face as `username`. */
const authorize = async (connector: SocialConnector, username: string, scope?: string) => {
  const signIn = await startLogtoSignIn(connector, scope);
  const data = await returnFromHuggingFace(signIn, { username });
  return { signIn, data };
};

/** A whole sign-in as `username`, ending with `getUserInfo`. */
const signInAs = async (connector: SocialConnector, username: string, scope?: string) => {
  const { signIn, data } = await authorize(connector, username, scope);
  return connector.getUserInfo(data, signIn.session.getSession);
};

/** Finishes a sign-in with the token-storage call, which must hand Logto a token response. */
const finishStoringTokens = async (
  connector: SocialConnector,
  { signIn, data }: { signIn: StartedLogtoSignIn; data: Record<string, string> }
) => {
  const { tokenResponse, userInfo } = await connector.getTokenResponseAndUserInfo!(
    data,
    signIn.session.getSession
  );
  if (!tokenResponse) throw new TypeError('getTokenResponseAndUserInfo returned no token response');
  return { tokenResponse, userInfo };
};

/** A whole sign-in as `username`, ending with the token-storage call. */
const signInStoringTokens = async (connector: SocialConnector, username: string) =>
  finishStoringTokens(connector, await authorize(connector, username));

/** The status Hugging Face's userinfo answers with for an access token. */
const userinfoStatus = async (accessToken: string | undefined) =>
  (await fetch(`${hf.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${String(accessToken)}` } }))
    .status;

describe('with the profile scope only', () => {
  it('returns the id, name and avatar, no email, and the whole userinfo as raw data', async () => {
    const userInfo = await signInAs(await connectorFor(), 'ada');

    expect(userInfo).toEqual({
      id: ada.sub,
      name: 'Ada Lovelace',
      avatar: `${hf.url}/avatars/ada.svg`,
      rawData: expect.objectContaining({
        sub: ada.sub,
        preferred_username: 'ada',
        isPro: true,
        orgs: [expect.objectContaining({ sub: mlLab.sub, preferred_username: 'ml-lab' })],
      }),
    });
  });

  it('gets no ID token', async () => {
    const { tokenResponse } = await signInStoringTokens(await connectorFor(), 'ada');

    expect(tokenResponse.scope).toBe('profile');
    expect(tokenResponse).not.toHaveProperty('id_token');
  });

  it('sends an S256 PKCE challenge and no nonce', async () => {
    const { signIn } = await authorize(await connectorFor(), 'ada');
    const savedVerifier = String(signIn.session.saved()?.codeVerifier);

    expect(hf.lastAuthorizationParams).toMatchObject({
      scope: 'profile',
      code_challenge: createHash('sha256').update(savedVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(hf.lastAuthorizationParams).not.toHaveProperty('nonce');
  });
});

describe('with the profile and email scopes', () => {
  it("returns ada's verified email", async () => {
    const userInfo = await signInAs(await connectorFor({ scope: 'profile email' }), 'ada');

    expect(userInfo).toMatchObject({ id: ada.sub, email: 'ada@example.com' });
  });

  it("does not return blank's unverified email", async () => {
    const userInfo = await signInAs(await connectorFor({ scope: 'profile email' }), 'blank');

    expect(userInfo.id).toBe(blank.sub);
    expect(userInfo).not.toHaveProperty('email');
    expect(userInfo.rawData).toMatchObject({ email: 'blank@example.com', email_verified: false });
  });

  it('falls back to the username when the display name is blank', async () => {
    const userInfo = await signInAs(await connectorFor({ scope: 'profile email' }), 'blank');

    expect(userInfo).toMatchObject({ id: blank.sub, name: 'blank' });
  });
});

describe('with the openid, profile and email scopes', () => {
  it('verifies the ID token, which carries the nonce sent and saved for the sign-in', async () => {
    const connector = await connectorFor({ scope: 'openid profile email' });
    const started = await authorize(connector, 'ada');
    const savedNonce = started.signIn.session.saved()?.nonce;

    const { tokenResponse, userInfo } = await finishStoringTokens(connector, started);

    expect(savedNonce).toEqual(expect.stringMatching(/^[\w-]{43}$/));
    expect(hf.lastAuthorizationParams?.nonce).toBe(savedNonce);
    expect(decodeJwt(tokenResponse.id_token!)).toMatchObject({
      iss: hf.issuer,
      aud: app.clientId,
      sub: ada.sub,
      nonce: savedNonce,
    });
    expect(userInfo).toMatchObject({ id: ada.sub, email: 'ada@example.com' });
  });

  it('fetches the key set once for two sign-ins', async () => {
    const own = await startOwnStandIn();
    try {
      const connector = await connectorFor({ scope: 'openid profile email' }, own);

      const first = await signInAs(connector, 'ada');
      const second = await signInAs(connector, 'outsider');

      expect([first.id, second.id]).toEqual([ada.sub, outsider.sub]);
      expect(own.requestCounts['/oauth/jwks']).toBe(1);
    } finally {
      await own.close();
    }
  });
});

/*
 * The connector keeps one key set per hub and refetches it for a token whose kid it lacks, but at
 * most once per minute per hub. Each test runs its own stand-in at its own hub URL, so its own
 * cache entry, and rotates the key right after a first sign-in has cached the old one.
 */
describe('after Hugging Face rotates its signing key', () => {
  let rotating: StandIn;

  beforeEach(async () => {
    rotating = await startOwnStandIn();
  });

  afterEach(async () => {
    vi.useRealTimers();
    await rotating.close();
  });

  it('refuses the new key within a minute of the last fetch, without fetching again', async () => {
    const connector = await connectorFor({ scope: 'openid profile' }, rotating);
    await signInStoringTokens(connector, 'ada');
    await rotating.rotateSigningKey();

    // The unknown kid would allow a refetch, but the set was fetched under a minute ago: the
    // rate limit keeps the cached set, so the token is refused and the JWKS count stays at one.
    await expectConnectorError(
      signInStoringTokens(connector, 'ada'),
      ConnectorErrorCodes.SocialIdTokenInvalid,
      "no single key in Hugging Face's key set matches its key id (kid)"
    );
    expect(rotating.requestCounts['/oauth/jwks']).toBe(1);
  });

  it('fetches the key set exactly once more a minute later and accepts the new key', async () => {
    const connector = await connectorFor({ scope: 'openid profile' }, rotating);
    const before = await signInStoringTokens(connector, 'ada');
    await rotating.rotateSigningKey();
    // Only Date is faked and it keeps running: every party (stand-in, connector, jose) sees the
    // same clock, now past the connector's one-minute refetch limit.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 61_000);

    const after = await signInStoringTokens(connector, 'ada');

    // A kid missing from the cached set, once the minute has passed, triggers one refetch
    // (the count goes from one to two) and the token signed by the new key is accepted.
    expect(decodeProtectedHeader(after.tokenResponse.id_token!).kid).not.toBe(
      decodeProtectedHeader(before.tokenResponse.id_token!).kid
    );
    expect(after.userInfo.id).toBe(ada.sub);
    expect(rotating.requestCounts['/oauth/jwks']).toBe(2);
  });
});

describe('the authorization request', () => {
  it('uses the per-request scope over the configured one', async () => {
    const userInfo = await signInAs(await connectorFor({ scope: 'profile' }), 'ada', 'profile email');

    expect(hf.lastAuthorizationParams?.scope).toBe('profile email');
    expect(userInfo).toMatchObject({ id: ada.sub, email: 'ada@example.com' });
  });

  it('sends the configured organization ids as orgIds', async () => {
    const userInfo = await signInAs(await connectorFor({ orgIds: mlLab.sub }), 'ada');

    expect(hf.lastAuthorizationParams?.orgIds).toBe(mlLab.sub);
    expect(userInfo.id).toBe(ada.sub);
  });
});

describe("as each of Logto's callback pages posts it", () => {
  it("signs in from Logto's sign-in page, which posts the query without state", async () => {
    const connector = await connectorFor();
    const signIn = await startLogtoSignIn(connector);
    const data = await returnFromHuggingFace(signIn, { username: 'ada' }, 'sign-in page');

    expect(data).toMatchObject({ code: expect.any(String), redirectUri: signIn.redirectUri });
    expect(data).not.toHaveProperty('state');
    const userInfo = await connector.getUserInfo(data, signIn.session.getSession);
    expect(userInfo.id).toBe(ada.sub);
  });

  it("links from the Account Center, which posts state and its own callback URL", async () => {
    const connector = await connectorFor();
    const signIn = await startLogtoSignIn(connector, undefined, 'account center');
    const data = await returnFromHuggingFace(signIn, { username: 'ada' }, 'account center');

    expect(signIn.redirectUri).toMatch(/\/account\/callback\/social\/hf[\da-f]+$/);
    expect(hf.lastAuthorizationParams?.redirect_uri).toBe(signIn.redirectUri);
    expect(data).toMatchObject({ state: signIn.state, redirectUri: signIn.redirectUri });
    const userInfo = await connector.getUserInfo(data, signIn.session.getSession);
    expect(userInfo.id).toBe(ada.sub);
  });

  it('signs in an API client that forwards the matching state', async () => {
    const connector = await connectorFor();
    const signIn = await startLogtoSignIn(connector);
    const data = await returnFromHuggingFace(signIn, { username: 'ada' }, 'api client');

    expect(data.state).toBe(signIn.state);
    const userInfo = await connector.getUserInfo(data, signIn.session.getSession);
    expect(userInfo.id).toBe(ada.sub);
  });

  it("refuses an API client that forwards another sign-in's state, before redeeming the code", async () => {
    const connector = await connectorFor();
    const first = await startLogtoSignIn(connector);
    const second = await startLogtoSignIn(connector);
    const data = await returnFromHuggingFace(first, { username: 'ada' }, 'api client');

    await expectConnectorError(
      connector.getUserInfo({ ...data, state: second.state }, first.session.getSession),
      ConnectorErrorCodes.AuthorizationFailed,
      'The callback state does not match'
    );
    // The code was not spent: the same callback with the right state still signs in.
    const userInfo = await connector.getUserInfo(data, first.session.getSession);
    expect(userInfo.id).toBe(ada.sub);
  });
});

describe('with authorized organizations', () => {
  it.each([
    ['name', 'ml-lab'],
    ['id', mlLab.sub],
  ])('lets a member in when the organization is given by %s', async (_kind, authorizedOrgs) => {
    const userInfo = await signInAs(await connectorFor({ authorizedOrgs }), 'ada');

    expect(userInfo.id).toBe(ada.sub);
  });

  it.each([
    ['name', 'ml-lab'],
    ['id', mlLab.sub],
  ])('refuses a non-member when the organization is given by %s', async (_kind, authorizedOrgs) => {
    await expectConnectorError(
      signInAs(await connectorFor({ authorizedOrgs }), 'outsider'),
      ConnectorErrorCodes.AuthorizationFailed,
      `not a member of an authorized organization (${authorizedOrgs})`
    );
  });

  it('refuses a member who must still enable MFA for the organization, saying so', async () => {
    const pending: DemoUser = {
      ...ada,
      preferred_username: 'mfa-pending',
      orgs: [{ ...mlLab, securityRestrictions: ['mfa'] }],
    };
    const standIn = await startOwnStandIn([pending]);
    try {
      await expectConnectorError(
        signInAs(await connectorFor({ authorizedOrgs: 'ml-lab' }, standIn), 'mfa-pending'),
        ConnectorErrorCodes.AuthorizationFailed,
        'This Hugging Face account is in an authorized organization but may not use it yet: for "ml-lab", enable two-factor authentication (MFA)'
      );
    } finally {
      await standIn.close();
    }
  });
});

describe('failed sign-ins', () => {
  it('reports a cancelled sign-in as AuthorizationFailed', async () => {
    const connector = await connectorFor();
    const signIn = await startLogtoSignIn(connector);
    const data = await returnFromHuggingFace(signIn, { cancel: true });

    const error = await expectConnectorError(
      connector.getUserInfo(data, signIn.session.getSession),
      ConnectorErrorCodes.AuthorizationFailed,
      'The user cancelled the sign-in on Hugging Face'
    );
    expect(error.data).toMatchObject({ step: 'callback', error: 'access_denied' });
  });

  it("reports a scope the Hugging Face app does not allow as InvalidConfig naming it", async () => {
    const connector = await createLogtoConnector({ ...limitedApp, scope: 'profile email', hubUrl: hf.url });
    const signIn = await startLogtoSignIn(connector);
    const data = await returnFromHuggingFace(signIn, { username: 'ada' });

    const error = await expectConnectorError(
      connector.getUserInfo(data, signIn.session.getSession),
      ConnectorErrorCodes.InvalidConfig,
      'Hugging Face refused the requested scope "profile email"',
      "Enable each of these scopes in the Hugging Face app's settings"
    );
    expect(error.data).toMatchObject({
      error: 'invalid_scope',
      error_description: expect.stringContaining('"email" is not enabled'),
    });
  });

  it('reports a wrong client secret as InvalidConfig', async () => {
    const error = await expectConnectorError(
      signInAs(await connectorFor({ clientSecret: 'not-the-secret-3Jt7' }), 'ada'),
      ConnectorErrorCodes.InvalidConfig,
      'Hugging Face rejected the client ID or client secret'
    );
    expect(error.data).toMatchObject({ step: 'token', status: 401, error: 'invalid_client' });
  });

  it('reports a replayed callback as SocialAuthCodeInvalid', async () => {
    const connector = await connectorFor();
    const { signIn, data } = await authorize(connector, 'ada');
    await connector.getUserInfo(data, signIn.session.getSession);

    const error = await expectConnectorError(
      connector.getUserInfo(data, signIn.session.getSession),
      ConnectorErrorCodes.SocialAuthCodeInvalid,
      'Hugging Face rejected the authorization code'
    );
    expect(error.data).toMatchObject({ step: 'token', status: 400, error: 'invalid_grant' });
  });
});

describe('token storage', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns an access token that works at Hugging Face and a refresh token', async () => {
    const { tokenResponse, userInfo } = await signInStoringTokens(await connectorFor(), 'ada');

    expect(userInfo.id).toBe(ada.sub);
    expect(tokenResponse).toMatchObject({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 28_800,
      scope: 'profile',
      refresh_token: expect.any(String),
    });
    expect(await userinfoStatus(tokenResponse.access_token)).toBe(200);
  });

  it('refreshes into a new access token and a rotated refresh token', async () => {
    const connector = await connectorFor();
    const { tokenResponse } = await signInStoringTokens(connector, 'ada');
    const refreshToken = String(tokenResponse.refresh_token);

    const refreshed = await connector.getAccessTokenByRefreshToken!(refreshToken);

    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(refreshToken);
    expect(refreshed.access_token).not.toBe(tokenResponse.access_token);
    expect(await userinfoStatus(refreshed.access_token)).toBe(200);
  });

  it('sends eight concurrent refreshes of one refresh token as one request, whose answer works for each caller', async () => {
    const connector = await connectorFor();
    const { tokenResponse } = await signInStoringTokens(connector, 'ada');
    const refreshToken = String(tokenResponse.refresh_token);
    hf.resetCounts();

    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => connector.getAccessTokenByRefreshToken!(refreshToken))
    );

    expect(hf.requestCounts['/oauth/token']).toBe(1);
    expect(new Set(answers.map((answer) => answer.access_token)).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.refresh_token)).size).toBe(1);
    expect(await userinfoStatus(answers[0]!.access_token)).toBe(200);
    // The stand-in revokes the whole grant when a rotated-out refresh token comes back: the one
    // handed to every caller still refreshes.
    await expect(connector.getAccessTokenByRefreshToken!(String(answers[0]!.refresh_token))).resolves.toEqual(
      expect.objectContaining({ access_token: expect.any(String) })
    );
  });

  it('hands the rotated answer to a caller with the old refresh token for 30 s, then Hugging Face refuses that token', async () => {
    const connector = await connectorFor();
    const { tokenResponse } = await signInStoringTokens(connector, 'ada');
    const refreshToken = String(tokenResponse.refresh_token);
    const refreshed = await connector.getAccessTokenByRefreshToken!(refreshToken);
    hf.resetCounts();

    await expect(connector.getAccessTokenByRefreshToken!(refreshToken)).resolves.toEqual(
      expect.objectContaining({ access_token: refreshed.access_token, refresh_token: refreshed.refresh_token })
    );
    expect(hf.requestCounts['/oauth/token']).toBeUndefined();
    // Only Date is faked and it keeps running: the stand-in and the connector see the same clock.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 30_000);

    const error = await expectConnectorError(
      connector.getAccessTokenByRefreshToken!(refreshToken),
      ConnectorErrorCodes.SocialAccessTokenInvalid,
      'Hugging Face rejected the refresh token'
    );
    expect(error.data).toMatchObject({ step: 'refresh', status: 400, error: 'invalid_grant' });
  });
});

describe('across Logto replicas', () => {
  it('finishes on another connector instance a sign-in started on one, sharing only the session JSON', async () => {
    const config = { scope: 'openid profile email' };
    const starting = await connectorFor(config);
    const finishing = await connectorFor(config);
    const signIn = await startLogtoSignIn(starting);
    const data = await returnFromHuggingFace(signIn, { username: 'ada' });
    const sharedSession = createLogtoSessionStore(signIn.session.json());

    const userInfo = await finishing.getUserInfo(data, sharedSession.getSession);

    expect(finishing).not.toBe(starting);
    expect(userInfo).toMatchObject({ id: ada.sub, email: 'ada@example.com' });
  });

  it('finishes a sign-in on a replica in another thread, which shares no module state', async () => {
    const config = { ...app, scope: 'openid profile email', hubUrl: hf.url };
    const signIn = await startLogtoSignIn(await createLogtoConnector(config));
    const data = await returnFromHuggingFace(signIn, { username: 'outsider' });

    const outcome = await finishOnSeparateReplica(config, data, String(signIn.session.json()));

    expect(outcome).toEqual({
      userInfo: expect.objectContaining({ id: outsider.sub, email: 'outsider@example.com' }),
    });
  });
});

describe('under load', () => {
  it('completes 50 parallel sign-ins, each with its own session and user', async () => {
    const connector = await connectorFor({ scope: 'openid profile email' });
    const usernames = Array.from({ length: 50 }, (_, index) => (index % 3 === 0 ? 'outsider' : 'ada'));

    const outcomes = await Promise.all(
      usernames.map(async (username) => {
        const { signIn, data } = await authorize(connector, username);
        return { signIn, userInfo: await connector.getUserInfo(data, signIn.session.getSession) };
      })
    );

    expect(outcomes.map(({ userInfo }) => userInfo.id)).toEqual(usernames.map((name) => userNamed(name).sub));
    expect(outcomes.map(({ userInfo }) => userInfo.email)).toEqual(
      usernames.map((name) => userNamed(name).email)
    );
    const sessions = outcomes.map(({ signIn }: { signIn: StartedLogtoSignIn }) => signIn.session.saved());
    for (const key of ['state', 'codeVerifier', 'nonce', 'redirectUri']) {
      expect(new Set(sessions.map((session) => session?.[key])).size).toBe(50);
    }
  });
});
