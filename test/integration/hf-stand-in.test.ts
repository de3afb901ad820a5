/**
 * What the Hugging Face stand-in does over HTTP that no sign-in of the connector shows, checked by
 * doing the OAuth flow by hand (fetch and jose). Its claims and its scope and redirect URI rules
 * are checked in `stand-in/test`; its answers to the connector, in `sign-in.test.ts`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';

import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  driveSignIn,
  type RefreshTokenReuse,
  startHfStandIn,
  type StandIn,
} from '../../stand-in/index.js';
import { clientId, clientSecret } from '../support/kit.js';

/** Never contacted: driveSignIn stops at the redirect. */
const redirectUri = 'http://127.0.0.1:8787/callback';

type App = { clientId: string; clientSecret: string };

const app: App = { clientId, clientSecret };
/** A confidential app that, as Hugging Face allows, sends no PKCE. */
const noPkceApp = { clientId: 'no-pkce-app', clientSecret: 'no-pkce-secret', requirePkce: false };
const registeredApp = {
  clientId: 'registered-app',
  clientSecret: 'registered-secret',
  redirectUris: ['http://127.0.0.1:5000/registered/callback'],
};

let hf: StandIn;

beforeAll(async () => {
  hf = await startHfStandIn({ clients: [app, noPkceApp, registeredApp] });
});

afterAll(async () => {
  // Unset when beforeAll failed before assigning it.
  await (hf as StandIn | undefined)?.close();
});

const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** The stand-in's authorization URL for `client`, with a profile scope and `params`. */
const authorizationUrl = (params: Record<string, string>, client: App = app, stand = hf) =>
  `${stand.url}/oauth/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: 'profile',
    state: 'the-state',
    ...params,
  }).toString()}`;

const tokenRequest = async (params: Record<string, string>, client: App = app, stand = hf) => {
  const response = await fetch(`${stand.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const exchangeCode = async (code: unknown, verifier?: string, client: App = app, stand = hf) =>
  tokenRequest(
    {
      grant_type: 'authorization_code',
      code: String(code),
      redirect_uri: redirectUri,
      ...(verifier !== undefined && { code_verifier: verifier }),
    },
    client,
    stand
  );

/** Signs ada in with PKCE through the login page; returns the code and its verifier. */
const authorize = async (stand = hf, scope = 'profile') => {
  const { verifier, challenge } = pkcePair();
  const params = { scope, code_challenge: challenge, code_challenge_method: 'S256' };
  const url = authorizationUrl(params, app, stand);
  const query = await driveSignIn(url, redirectUri, { username: 'ada' });
  return { code: query.code, verifier };
};

const refresh = async (refreshToken: unknown, stand = hf) =>
  tokenRequest({ grant_type: 'refresh_token', refresh_token: String(refreshToken) }, app, stand);

const userinfoStatus = async (accessToken: unknown, stand = hf) => {
  const headers = { authorization: `Bearer ${String(accessToken)}` };
  return (await fetch(`${stand.url}/oauth/userinfo`, { headers })).status;
};

const jwksKids = async (stand: StandIn) => {
  const response = await fetch(`${stand.url}/oauth/jwks`);
  return ((await response.json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
};

const invalidGrant = { status: 400, body: expect.objectContaining({ error: 'invalid_grant' }) };

describe('the Hugging Face stand-in', () => {
  it('announces the Hugging Face paths in its discovery document', async () => {
    const response = await fetch(`${hf.url}/.well-known/openid-configuration`);

    expect(await response.json()).toMatchObject({
      issuer: hf.url,
      authorization_endpoint: `${hf.url}/oauth/authorize`,
      token_endpoint: `${hf.url}/oauth/token`,
      userinfo_endpoint: `${hf.url}/oauth/userinfo`,
      jwks_uri: `${hf.url}/oauth/jwks`,
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it('requires PKCE on the authorization request', async () => {
    const query = await driveSignIn(authorizationUrl({}), redirectUri, { username: 'ada' });

    expect(query).toMatchObject({ error: 'invalid_request', state: 'the-state' });
  });

  it('lets a confidential app that opts out of PKCE sign in without it', async () => {
    const query = await driveSignIn(authorizationUrl({}, noPkceApp), redirectUri, { username: 'ada' });

    const answer = await exchangeCode(query.code, undefined, noPkceApp);

    expect(answer.status).toBe(200);
    expect(answer.body.access_token).toEqual(expect.any(String));
  });

  it.each([
    { verifier: 'no', sent: undefined },
    { verifier: 'a wrong', sent: pkcePair().verifier },
  ])('refuses a code exchange with $verifier code_verifier with invalid_grant', async ({ sent }) => {
    const { code, verifier } = await authorize();

    const refused = await exchangeCode(code, sent);
    const correct = await exchangeCode(code, verifier);

    expect(refused).toEqual(invalidGrant);
    expect(correct.status).toBe(200);
  });

  it.each<{ reuse: RefreshTokenReuse; grant: string; newest: number; accessToken: number }>([
    // Reuse detection (RFC 9700 4.14.2), oidc-provider's own behaviour.
    { reuse: 'revoke-grant', grant: 'revoked', newest: 400, accessToken: 401 },
    { reuse: 'reject', grant: 'kept', newest: 200, accessToken: 200 },
  ])('with refreshTokenReuse $reuse, refuses a rotated-out refresh token and the grant is $grant', async ({
    reuse,
    newest,
    accessToken,
  }) => {
    const stand = await startHfStandIn({ clients: [app], refreshTokenReuse: reuse });
    try {
      const { code, verifier } = await authorize(stand);
      const tokens = await exchangeCode(code, verifier, app, stand);
      const refreshed = await refresh(tokens.body.refresh_token, stand);

      const replayed = await refresh(tokens.body.refresh_token, stand);

      expect(replayed).toEqual(invalidGrant);
      expect(await userinfoStatus(refreshed.body.access_token, stand)).toBe(accessToken);
      expect((await refresh(refreshed.body.refresh_token, stand)).status).toBe(newest);
    } finally {
      await stand.close();
    }
  });

  it('answers userinfo with a bad access token with 401 invalid_token', async () => {
    const response = await fetch(`${hf.url}/oauth/userinfo`, { headers: { authorization: 'Bearer bad' } });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_token' });
  });

  it('shows an error page, not a redirect, for an unregistered redirect URI', async () => {
    const url = authorizationUrl(
      { redirect_uri: 'http://127.0.0.1:5000/elsewhere', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' },
      registeredApp
    );

    const response = await fetch(url, { redirect: 'manual' });

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('invalid_redirect_uri');
  });

  it('rotates the signing key: a new kid replaces the old one in the JWKS and signs ID tokens', async () => {
    const stand = await startHfStandIn({ clients: [app] });
    try {
      const before = await jwksKids(stand);

      await stand.rotateSigningKey();
      const after = await jwksKids(stand);
      const { code, verifier } = await authorize(stand, 'openid profile');
      const tokens = await exchangeCode(code, verifier, app, stand);

      expect(before).toHaveLength(1);
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before[0]);
      expect(decodeProtectedHeader(String(tokens.body.id_token)).kid).toBe(after[0]);
    } finally {
      await stand.close();
    }
  });

  it('serves the avatars its userinfo points to as SVG, so pages need no network', async () => {
    const response = await fetch(`${hf.url}/avatars/ada.svg`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toContain('>A</text>');
  });

  it('closes without waiting for its connections, idle or with a request still coming in', async () => {
    const stand = await startHfStandIn({ clients: [app] });
    // An idle keep-alive connection.
    await (await fetch(`${stand.url}/oauth/jwks`)).arrayBuffer();
    // A token request whose body never comes: once the server has read its headers (it answers
    // 100 Continue), it would wait for the body as long as Node.js lets a request take (5 min).
    const { hostname, port } = new URL(stand.url);
    const incomplete = net.connect(Number(port), hostname);
    incomplete.write(
      `POST /oauth/token HTTP/1.1\r\nhost: ${hostname}:${port}\r\n` +
        'content-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\nexpect: 100-continue\r\n\r\n'
    );
    const [interim] = (await once(incomplete, 'data')) as [Buffer];
    expect(interim.toString('latin1')).toMatch(/^HTTP\/1\.1 100 /);
    const closed = once(incomplete, 'close');

    await stand.close();

    await closed;
    expect(incomplete.destroyed).toBe(true);
  });
});
