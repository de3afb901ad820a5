/**
 * What the Hugging Face stand-in does over HTTP that no sign-in of the connector shows: it
 * announces Hugging Face's paths, refuses an authorization request without PKCE, answers a bad
 * access token and an unregistered redirect URI as Hugging Face does, and closes at once. Its
 * signing key rotation is checked here too, with the connector following it. Its claims and its
 * scope and redirect URI rules are checked in `stand-in/test`; its answers to the connector, in
 * `sign-in.test.ts` and `test/real-logto`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';

import { decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { driveSignIn, startHfStandIn, type StandIn, userNamed } from '../../stand-in/index.js';
import { clientId, logtoCallbackUri, startSignIn } from '../support/kit.js';

import { builtConnectorAt, returnFromHuggingFace, standInApp } from './logto-driver.js';

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

/** The `kid` of every key `stand` publishes in its key set. */
const publishedKids = async (stand: StandIn) => {
  const { keys } = (await (await fetch(`${stand.url}/oauth/jwks`)).json()) as { keys: Array<{ kid: string }> };
  return keys.map(({ kid }) => kid);
};

/** A whole sign-in of ada with an ID token at `stand`: what Logto gets and the `kid` its ID token names. */
const signInWithIdToken = async (stand: StandIn) => {
  const signIn = await startSignIn({
    connector: await builtConnectorAt(stand.url, { scope: 'openid profile' }),
    hubUrl: stand.url,
  });
  const posts = await returnFromHuggingFace(signIn, { username: 'ada' });
  const { tokenResponse, userInfo } = await signIn.connector.getTokenResponseAndUserInfo!(
    posts.signInPage,
    signIn.store.getSession
  );
  return { userInfo, kid: decodeProtectedHeader(String(tokenResponse?.id_token)).kid };
};

describe("the stand-in's signing key rotation", () => {
  let stand: StandIn | undefined;

  afterEach(async () => {
    vi.useRealTimers();
    await stand?.close();
    stand = undefined;
  });

  it('publishes the new key alone: the old one leaves the key set at once', async () => {
    stand = await startHfStandIn({ clients: [standInApp] });
    const before = await publishedKids(stand);

    await stand.rotateSigningKey();

    const after = await publishedKids(stand);
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(1);
    expect(after).not.toContain(before[0]);
  });

  it('signs ID tokens with the new key, which the connector verifies after fetching the key set again', async () => {
    stand = await startHfStandIn({ clients: [standInApp] });
    // Date stands still, so the key set's age is what the test says; timers and I/O run for real.
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    const [oldKid] = await publishedKids(stand);
    stand.resetCounts();
    const first = await signInWithIdToken(stand);
    expect(first.kid).toBe(oldKid);
    expect(stand.requestCounts['/oauth/jwks']).toBe(1);

    await stand.rotateSigningKey();
    const [newKid] = await publishedKids(stand);
    stand.resetCounts();
    // SECURITY.md: a token naming an unknown kid makes the connector fetch the key set again at
    // most once a minute; a minute after its first fetch it may.
    vi.setSystemTime(start + 60_000);
    const second = await signInWithIdToken(stand);

    expect(second.userInfo).toMatchObject({ id: userNamed('ada').sub });
    expect(second.kid).toBe(newKid);
    expect(newKid).not.toBe(oldKid);
    expect(stand.requestCounts['/oauth/jwks']).toBe(1);
  });
});
