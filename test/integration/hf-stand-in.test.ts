/**
 * What the Hugging Face stand-in does over HTTP that no sign-in of the connector shows: it
 * announces Hugging Face's paths, refuses an authorization request without PKCE, answers a bad
 * access token and an unregistered redirect URI as Hugging Face does, and closes at once. Its
 * claims and its scope and redirect URI rules are checked in `stand-in/test`; its answers to the
 * connector, in `sign-in.test.ts` and `test/real-logto`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { driveSignIn, startHfStandIn, type StandIn } from '../../stand-in/index.js';
import { clientId, logtoCallbackUri } from '../support/kit.js';

import { standInApp } from './logto-driver.js';

let hf: StandIn;

beforeAll(async () => {
  hf = await startHfStandIn({ clients: [standInApp] });
});

afterAll(async () => {
  // Unset when beforeAll failed before assigning it.
  await (hf as StandIn | undefined)?.close();
});

/** An S256 PKCE challenge (RFC 7636 4.2) of a fresh verifier. */
const challenge = () =>
  createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');

const authorizationUrl = (params: Record<string, string>) =>
  `${hf.url}/oauth/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: logtoCallbackUri,
    scope: 'profile',
    state: 'the-state',
    ...params,
  }).toString()}`;

describe('the Hugging Face stand-in', () => {
  it('announces the Hugging Face paths in its discovery document', async () => {
    const discovery: unknown = await (await fetch(`${hf.url}/.well-known/openid-configuration`)).json();

    expect(discovery).toMatchObject({
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
    // Never contacted: driveSignIn stops at the redirect.
    const query = await driveSignIn(authorizationUrl({}), logtoCallbackUri, { username: 'ada' });

    expect(query).toMatchObject({ error: 'invalid_request', state: 'the-state' });
  });

  it('answers userinfo with a bad access token with 401 invalid_token', async () => {
    const response = await fetch(`${hf.url}/oauth/userinfo`, { headers: { authorization: 'Bearer bad' } });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_token' });
  });

  it('shows an error page, not a redirect, for an unregistered redirect URI', async () => {
    const url = authorizationUrl({
      redirect_uri: 'https://logto.test/elsewhere',
      code_challenge: challenge(),
      code_challenge_method: 'S256',
    });

    const response = await fetch(url, { redirect: 'manual' });

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('invalid_redirect_uri');
  });

  it('closes without waiting for its connections, idle or with a request still coming in', async () => {
    const stand = await startHfStandIn({ clients: [standInApp] });
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
