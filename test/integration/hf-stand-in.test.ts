/**
 * Proves that the Hugging Face stand-in behaves like Hugging Face's OAuth server, by doing the
 * OAuth flow by hand (fetch + jose), without the connector.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';

import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { driveSignIn, type SignInChoice } from '../../stand-in/index.js';
import { demoOrganizations, demoUsers, startHfStandIn, type StandIn } from '../../stand-in/index.js';

/** Never contacted: driveSignIn stops at the redirect. */
const redirectUri = 'http://127.0.0.1:8787/callback';

const fullApp = { clientId: 'full-app', clientSecret: 'full-secret' };
const limitedApp = { clientId: 'limited-app', clientSecret: 'limited-secret', allowedScopes: ['openid', 'profile'] };
const registeredApp = {
  clientId: 'registered-app',
  clientSecret: 'registered-secret',
  redirectUris: ['http://127.0.0.1:5000/registered/callback'],
};
/** A confidential app that, as Hugging Face allows, sends no PKCE. */
const noPkceApp = { clientId: 'no-pkce-app', clientSecret: 'no-pkce-secret', requirePkce: false };

type App = { clientId: string; clientSecret: string };
type TokenAnswer = { status: number; body: Record<string, unknown> };

let hf: StandIn;

beforeAll(async () => {
  hf = await startHfStandIn({ clients: [fullApp, limitedApp, registeredApp, noPkceApp] });
});

afterAll(async () => {
  // Unset when beforeAll failed before assigning it.
  await (hf as StandIn | undefined)?.close();
});

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function authorizationUrl(app: App, params: Record<string, string>): string {
  const url = new URL(`${hf.url}/oauth/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: redirectUri,
    ...params,
  }).toString();
  return url.href;
}

/** Authorizes with PKCE through the login page and returns the callback query plus the verifier. */
async function authorize(
  app: App,
  scope: string,
  { choice = { username: 'ada' }, extra = {} }: { choice?: SignInChoice; extra?: Record<string, string> } = {},
) {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(8).toString('hex');
  const query = await driveSignIn(
    authorizationUrl(app, { scope, state, code_challenge: challenge, code_challenge_method: 'S256', ...extra }),
    redirectUri,
    choice,
  );
  return { query, verifier, state };
}

function basic(app: App): string {
  return `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
}

async function tokenRequest(params: Record<string, string>, authorization = basic(fullApp)): Promise<TokenAnswer> {
  const response = await fetch(`${hf.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function exchangeCode(code: string, verifier: string | undefined, app: App = fullApp) {
  return tokenRequest(
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      ...(verifier === undefined ? {} : { code_verifier: verifier }),
    },
    basic(app),
  );
}

/** Signs in and exchanges the code; returns the token response body. */
async function signIn(scope: string, username = 'ada', extra: Record<string, string> = {}) {
  const { query, verifier } = await authorize(fullApp, scope, { choice: { username }, extra });
  const answer = await exchangeCode(String(query.code), verifier);
  expect(answer.status).toBe(200);
  return answer.body;
}

async function userinfo(accessToken: unknown) {
  const response = await fetch(`${hf.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${String(accessToken)}` } });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json() };
}

async function jwksKids(): Promise<string[]> {
  const response = await fetch(`${hf.url}/oauth/jwks`);
  const { keys } = (await response.json()) as { keys: Array<{ kid: string }> };
  return keys.map((key) => key.kid);
}

const ada = demoUsers.find((user) => user.preferred_username === 'ada')!;
const blank = demoUsers.find((user) => user.preferred_username === 'blank')!;
const mlLab = demoOrganizations.find((org) => org.preferred_username === 'ml-lab')!;

describe('Hugging Face stand-in', () => {
  it('announces the Hugging Face paths in its discovery document', async () => {
    const response = await fetch(`${hf.url}/.well-known/openid-configuration`);
    const discovery = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(200);
    expect({
      issuer: discovery.issuer,
      authorization_endpoint: discovery.authorization_endpoint,
      token_endpoint: discovery.token_endpoint,
      userinfo_endpoint: discovery.userinfo_endpoint,
      jwks_uri: discovery.jwks_uri,
      code_challenge_methods_supported: discovery.code_challenge_methods_supported,
      id_token_signing_alg_values_supported: discovery.id_token_signing_alg_values_supported,
    }).toEqual({
      issuer: hf.url,
      authorization_endpoint: `${hf.url}/oauth/authorize`,
      token_endpoint: `${hf.url}/oauth/token`,
      userinfo_endpoint: `${hf.url}/oauth/userinfo`,
      jwks_uri: `${hf.url}/oauth/jwks`,
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it('runs plain OAuth (profile without openid): no ID token, HF-shaped userinfo', async () => {
    const tokens = await signIn('profile');

    expect(tokens.id_token).toBeUndefined();
    expect(tokens).toMatchObject({ scope: 'profile', expires_in: 28_800 });
    expect(typeof tokens.refresh_token).toBe('string');

    const info = await userinfo(tokens.access_token);
    expect(info.status).toBe(200);
    expect(info.contentType).toMatch(/^application\/json/);
    expect(info.body).toEqual({
      sub: ada.sub,
      name: 'Ada Lovelace',
      preferred_username: 'ada',
      picture: `${hf.url}/avatars/ada.svg`,
      profile: `${hf.url}/ada`,
      isPro: true,
      orgs: [
        {
          sub: mlLab.sub,
          name: 'ML Lab',
          preferred_username: 'ml-lab',
          picture: `${hf.url}/avatars/ml-lab.svg`,
          plan: 'team',
        },
      ],
    });
  });

  it('issues an RS256 ID token with the nonce and profile claims but no email', async () => {
    const nonce = randomBytes(8).toString('hex');
    const tokens = await signIn('openid profile email', 'ada', { nonce });
    const jwks = createRemoteJWKSet(new URL(`${hf.url}/oauth/jwks`));

    const { payload, protectedHeader } = await jwtVerify(String(tokens.id_token), jwks, {
      issuer: hf.issuer,
      audience: fullApp.clientId,
      algorithms: ['RS256'],
    });

    expect(protectedHeader.alg).toBe('RS256');
    expect(await jwksKids()).toEqual([protectedHeader.kid]);
    expect(payload).toMatchObject({
      sub: ada.sub,
      aud: fullApp.clientId,
      nonce,
      name: 'Ada Lovelace',
      preferred_username: 'ada',
      picture: `${hf.url}/avatars/ada.svg`,
      profile: `${hf.url}/ada`,
    });
    expect(Object.keys(payload).filter((claim) => ['email', 'email_verified', 'orgs', 'isPro'].includes(claim))).toEqual([]);
  });

  it('adds email and email_verified to userinfo with the email scope', async () => {
    const tokens = await signIn('openid profile email');

    const info = await userinfo(tokens.access_token);

    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ sub: ada.sub, email: 'ada@example.com', email_verified: true });
  });

  it('reports the blank user with an empty name and an unverified email', async () => {
    const tokens = await signIn('profile email', 'blank');

    const info = await userinfo(tokens.access_token);

    expect(info.body).toMatchObject({
      sub: blank.sub,
      name: '',
      preferred_username: 'blank',
      email: 'blank@example.com',
      email_verified: false,
      isPro: false,
      orgs: [],
    });
  });

  it('omits profile claims from userinfo without the profile scope', async () => {
    const tokens = await signIn('openid email');

    const info = await userinfo(tokens.access_token);

    expect(info.body).toEqual({ sub: ada.sub, email: 'ada@example.com', email_verified: true });
  });

  it('answers userinfo with a bad access token with 401 invalid_token', async () => {
    const info = await userinfo('not-a-token');

    expect(info.status).toBe(401);
    expect(info.body).toEqual({ error: 'invalid_token' });
  });

  it('requires PKCE on the authorization request', async () => {
    const query = await driveSignIn(
      authorizationUrl(fullApp, { scope: 'profile', state: 'no-pkce' }),
      redirectUri,
      { username: 'ada' },
    );

    expect(query).toMatchObject({ error: 'invalid_request', state: 'no-pkce' });
  });

  it('lets a confidential app that opts out of PKCE sign in without it', async () => {
    const query = await driveSignIn(
      authorizationUrl(noPkceApp, { scope: 'profile', state: 'confidential' }),
      redirectUri,
      { username: 'ada' },
    );
    expect(query).toMatchObject({ code: expect.any(String), state: 'confidential' });

    const answer = await exchangeCode(String(query.code), undefined, noPkceApp);

    expect(answer.status).toBe(200);
    expect(answer.body.access_token).toEqual(expect.any(String));
  });

  it('rejects a code exchange without code_verifier with invalid_grant', async () => {
    const { query, verifier } = await authorize(fullApp, 'profile');

    const missing = await exchangeCode(String(query.code), undefined);
    const correct = await exchangeCode(String(query.code), verifier);

    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_grant');
    expect(correct.status).toBe(200);
  });

  it('rejects a code exchange with a wrong code_verifier with invalid_grant', async () => {
    const { query, verifier } = await authorize(fullApp, 'profile');

    const wrong = await exchangeCode(String(query.code), pkcePair().verifier);
    const correct = await exchangeCode(String(query.code), verifier);

    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    expect(correct.status).toBe(200);
  });

  it('rejects a reused authorization code with 400 invalid_grant', async () => {
    const { query, verifier } = await authorize(fullApp, 'profile');

    const first = await exchangeCode(String(query.code), verifier);
    const second = await exchangeCode(String(query.code), verifier);

    expect(first.status).toBe(200);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
  });

  it('rejects a wrong client secret with 401 invalid_client', async () => {
    const { query, verifier } = await authorize(fullApp, 'profile');

    const answer = await tokenRequest(
      { grant_type: 'authorization_code', code: String(query.code), redirect_uri: redirectUri, code_verifier: verifier },
      basic({ clientId: fullApp.clientId, clientSecret: 'wrong-secret' }),
    );

    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_client');
  });

  it('rotates the refresh token on use; the old one then fails with invalid_grant', async () => {
    const tokens = await signIn('profile');

    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) });
    const replayed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) });

    expect(refreshed.status).toBe(200);
    expect(typeof refreshed.body.access_token).toBe('string');
    expect(typeof refreshed.body.refresh_token).toBe('string');
    expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(replayed.status).toBe(400);
    expect(replayed.body.error).toBe('invalid_grant');
  });

  it('revokes the whole grant when a rotated-out refresh token comes back (reuse detection, RFC 9700 4.14.2)', async () => {
    const tokens = await signIn('profile');
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) });
    expect(refreshed.status).toBe(200);

    const replayed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) });
    const newest = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(refreshed.body.refresh_token) });

    expect(replayed.status).toBe(400);
    expect(replayed.body.error).toBe('invalid_grant');
    expect(newest.status).toBe(400);
    expect(newest.body.error).toBe('invalid_grant');
    expect((await userinfo(refreshed.body.access_token)).status).toBe(401);
  });

  it('redirects back with invalid_scope and state for a scope the app has not enabled', async () => {
    const { query, state } = await authorize(limitedApp, 'openid profile email');

    expect(query).toEqual({
      error: 'invalid_scope',
      error_description: 'The scope "email" is not enabled for this application',
      state,
      iss: hf.issuer,
    });
  });

  it.each(['offline_access', 'write-everything'])('redirects back with invalid_scope and state for the unknown scope %s', async (unknown) => {
    const { query, state } = await authorize(fullApp, `profile ${unknown}`);

    expect(query).toEqual({
      error: 'invalid_scope',
      error_description: `Unknown scope "${unknown}"`,
      state,
      iss: hf.issuer,
    });
  });

  it('shows an error page, not a redirect, for an unregistered redirect URI', async () => {
    const url = new URL(`${hf.url}/oauth/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: registeredApp.clientId,
      redirect_uri: 'http://127.0.0.1:5000/elsewhere',
      scope: 'profile',
      state: 'x',
      ...(({ challenge }) => ({ code_challenge: challenge, code_challenge_method: 'S256' }))(pkcePair()),
    }).toString();

    const response = await fetch(url, { redirect: 'manual' });

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('invalid_redirect_uri');
  });

  it('accepts a registered loopback redirect URI on any port', async () => {
    const { challenge } = pkcePair();
    const otherPort = 'http://127.0.0.1:5999/registered/callback';
    const url = new URL(`${hf.url}/oauth/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: registeredApp.clientId,
      redirect_uri: otherPort,
      scope: 'profile',
      state: 'any-port',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();

    const query = await driveSignIn(url.href, otherPort, { username: 'ada' });

    expect(query.state).toBe('any-port');
    expect(typeof query.code).toBe('string');
  });

  it('redirects back with access_denied and state when the user cancels', async () => {
    const { query, state } = await authorize(fullApp, 'profile', { choice: { cancel: true } });

    expect(query).toEqual({
      error: 'access_denied',
      error_description: 'The user cancelled',
      state,
      iss: hf.issuer,
    });
  });

  it('records the orgIds authorization parameter', async () => {
    await authorize(fullApp, 'profile', { extra: { orgIds: mlLab.sub } });

    expect(hf.lastAuthorizationParams?.orgIds).toBe(mlLab.sub);
  });

  it('counts requests per path', async () => {
    hf.resetCounts();

    await jwksKids();
    await jwksKids();

    expect(hf.requestCounts['/oauth/jwks']).toBe(2);
    expect(hf.requestCounts['/oauth/token']).toBeUndefined();
  });

  it('rotates the signing key: a new kid replaces the old one in the JWKS and signs ID tokens', async () => {
    const before = await jwksKids();

    await hf.rotateSigningKey();
    const after = await jwksKids();
    const tokens = await signIn('openid profile');

    expect(before).toHaveLength(1);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    expect(decodeProtectedHeader(String(tokens.id_token)).kid).toBe(after[0]);
  });

  it('serves the avatars its userinfo points to as SVG, so pages need no network', async () => {
    const response = await fetch(`${hf.url}/avatars/ada.svg`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toContain('>A</text>');
  });

  it('handles 200 concurrent sign-ins', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const username = demoUsers[index % demoUsers.length]!.preferred_username;
        const tokens = await signIn('profile', username);
        return (await userinfo(tokens.access_token)).body as { preferred_username: string };
      }),
    );

    expect(results.map((info) => info.preferred_username)).toEqual(
      Array.from({ length: 200 }, (_, index) => demoUsers[index % demoUsers.length]!.preferred_username),
    );
  });
});

describe('closing the stand-in', () => {
  it('closes without waiting for its connections, idle or with a request still coming in', async () => {
    const standIn = await startHfStandIn({ clients: [fullApp] });
    // An idle keep-alive connection.
    await (await fetch(`${standIn.url}/oauth/jwks`)).arrayBuffer();
    // A token request whose body never comes: once the server has read its headers (it answers
    // 100 Continue), it would wait for the body as long as Node.js lets a request take (5 min).
    const { hostname, port } = new URL(standIn.url);
    const incomplete = net.connect(Number(port), hostname);
    incomplete.write(
      `POST /oauth/token HTTP/1.1\r\nhost: ${hostname}:${port}\r\n` +
        'content-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\nexpect: 100-continue\r\n\r\n'
    );
    const [interim] = (await once(incomplete, 'data')) as [Buffer];
    expect(interim.toString('latin1')).toMatch(/^HTTP\/1\.1 100 /);
    const closed = once(incomplete, 'close');

    await standIn.close();

    await closed;
    expect(incomplete.destroyed).toBe(true);
  });
});

describe("Hugging Face stand-in with refreshTokenReuse: 'reject'", () => {
  let revoking: StandIn;

  beforeAll(async () => {
    revoking = hf;
    hf = await startHfStandIn({ clients: [fullApp], refreshTokenReuse: 'reject' });
  });

  afterAll(async () => {
    await (hf as StandIn | undefined)?.close();
    hf = revoking;
  });

  it('refuses a rotated-out refresh token with invalid_grant and leaves the grant working', async () => {
    const tokens = await signIn('profile');
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) });
    expect(refreshed.status).toBe(200);

    const replayed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) });

    expect(replayed.status).toBe(400);
    expect(replayed.body.error).toBe('invalid_grant');
    expect((await userinfo(refreshed.body.access_token)).status).toBe(200);
    const newest = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(refreshed.body.refresh_token) });
    expect(newest.status).toBe(200);
    expect((await userinfo(newest.body.access_token)).body).toMatchObject({ sub: ada.sub });
  });
});
