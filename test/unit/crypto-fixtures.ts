/**
 * Fixtures for the sign-in tests: RSA signing keys, the JWKS that publishes them, ID tokens signed
 * for real, and a harness that drives the public connector from `getAuthorizationUri` to the
 * callback with Hugging Face's endpoints served by nock.
 */
import { type SocialConnector } from '@logto/connector-kit';
import {
  base64url,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import nock from 'nock';

import { createLogtoSessionStore, type LogtoSessionStore } from '../../stand-in/logto/index.js';

/** Client credentials of the Hugging Face app every test connector is configured with. */
export const clientCredentials = Object.freeze({
  clientId: 'hf-app-client-id',
  clientSecret: 'hf-app-client-secret-7Qx2',
});

/** The redirect URI Logto would send, `${endpoint}/callback/${connectorId}`. */
export const logtoRedirectUri = 'https://logto.test/callback/hf-connector';

let hubCount = 0;

/**
 * A hub URL no other test uses, so the per-process, per-hub key set cache never leaks between
 * tests.
 *
 * @param label - Distinguishes the test files' hubs in failure output.
 */
export const nextHubUrl = (label: string): string => `https://hub-${label}-${++hubCount}.test`;

/** Current time in whole seconds, as JWT claims count it. */
export const nowInSeconds = (): number => Math.floor(Date.now() / 1000);

/** An RSA key pair whose public half is published in a JWKS under `kid`. */
export type SigningKey = {
  kid: string;
  privateKey: CryptoKey;
  /** The public key as a JWK with `kid`, `alg` and `use`. */
  publicJwk: JWK;
};

/**
 * Generates an RS256 key pair and its public JWK.
 *
 * @param kid - The key id the JWK and the tokens signed with it carry.
 */
export const createSigningKey = async (kid: string): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk };
};

/** A JSON Web Key Set publishing the public halves of the given keys. */
export const jwksOf = (...keys: SigningKey[]): { keys: JWK[] } => ({
  keys: keys.map(({ publicJwk }) => publicJwk),
});

/** How {@link signIdToken} signs. */
export type SignOptions = {
  /** An RSA private key, or the raw bytes of a shared secret for an HMAC algorithm. */
  key: CryptoKey | Uint8Array;
  /** The `kid` header; left out when undefined. */
  kid?: string;
  /** The `alg` header; RS256 by default. */
  alg?: string;
};

/**
 * Signs an ID token with exactly the given claims; nothing is added or defaulted.
 *
 * @param claims - The payload.
 * @param options - Key, key id and algorithm of the protected header.
 */
export const signIdToken = async (
  claims: JWTPayload,
  { key, kid, alg = 'RS256' }: SignOptions
): Promise<string> =>
  new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid !== undefined && { kid }) })
    .sign(key);

/**
 * Builds an unsecured JWT (`alg: none`, empty signature) by hand, since jose refuses to sign one.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-6
 */
export const unsecuredIdToken = (claims: JWTPayload, kid?: string): string => {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  const header = { alg: 'none', typ: 'JWT', ...(kid !== undefined && { kid }) };
  return `${encode(header)}.${encode(claims)}.`;
};

/**
 * The claims Hugging Face puts in a valid ID token for one sign-in, issued a few seconds ago and
 * valid for an hour.
 *
 * @param hubUrl - The hub the token comes from; its origin is the issuer.
 * @param sub - The user's id.
 * @param nonce - The nonce the authorization request carried.
 */
export const validIdTokenClaims = (hubUrl: string, sub: string, nonce: string | undefined) => {
  const now = nowInSeconds();
  return {
    iss: new URL(hubUrl).origin,
    aud: clientCredentials.clientId,
    sub,
    iat: now - 5,
    exp: now + 3600,
    auth_time: now - 10,
    nonce,
    name: 'Name From The ID Token',
    preferred_username: 'ada-lovelace',
    picture: 'https://cdn.test/avatars/ada-from-token.png',
  } satisfies JWTPayload;
};

/** A connector session store with Logto's semantics (JSON, replaced on each write). */
export type JsonSessionStore = LogtoSessionStore;

/** A sign-in after `getAuthorizationUri`: what Hugging Face saw and what Logto keeps. */
export type StartedSignIn = {
  store: JsonSessionStore;
  state: string;
  redirectUri: string;
  /** The authorization code this sign-in's callback carries. */
  code: string;
  /** The nonce as the authorization URL carried it to Hugging Face. */
  nonce: string | undefined;
  /** The PKCE verifier the connector saved, which the token request must send. */
  codeVerifier: string;
  /** The authorization URL. */
  url: URL;
};

let signInCount = 0;

/**
 * Starts a sign-in through `getAuthorizationUri` with a fresh session store, state and code.
 *
 * @param connector - The connector under test.
 */
export const startSignIn = async (connector: SocialConnector): Promise<StartedSignIn> => {
  const count = ++signInCount;
  const store = createLogtoSessionStore();
  const state = `state-${count}`;
  const url = new URL(
    await connector.getAuthorizationUri(
      {
        state,
        redirectUri: logtoRedirectUri,
        connectorId: 'hf-connector',
        connectorFactoryId: 'huggingface-oidc-universal',
        jti: `jti-${count}`,
        headers: { userAgent: 'vitest' },
      },
      store.setSession
    )
  );
  const codeVerifier = store.saved()?.codeVerifier;
  if (typeof codeVerifier !== 'string') {
    throw new TypeError('getAuthorizationUri saved no PKCE verifier in the session.');
  }
  return {
    store,
    state,
    redirectUri: logtoRedirectUri,
    code: `authorization-code-${count}`,
    nonce: url.searchParams.get('nonce') ?? undefined,
    codeVerifier,
    url,
  };
};

/** The callback data Logto's sign-in page posts for a sign-in: the query without `state`. */
export const callbackDataOf = (signIn: StartedSignIn) => ({
  code: signIn.code,
  redirectUri: signIn.redirectUri,
});

/**
 * Serves the token endpoint for one sign-in's code exchange, matching the form body and the
 * client's Basic authentication exactly.
 *
 * @param hubUrl - The hub.
 * @param signIn - The sign-in whose code and verifier the request must carry.
 * @param body - The token response.
 * @param status - Its HTTP status.
 */
export const mockCodeExchange = (
  hubUrl: string,
  signIn: StartedSignIn,
  body: Record<string, unknown>,
  status = 200
): nock.Scope =>
  nock(hubUrl)
    .post(
      '/oauth/token',
      new URLSearchParams({
        grant_type: 'authorization_code',
        code: signIn.code,
        redirect_uri: signIn.redirectUri,
        code_verifier: signIn.codeVerifier,
      }).toString()
    )
    .basicAuth({ user: clientCredentials.clientId, pass: clientCredentials.clientSecret })
    .reply(status, body);

/**
 * Serves the userinfo endpoint once for a given access token.
 *
 * @param hubUrl - The hub.
 * @param accessToken - The bearer token the request must carry.
 * @param body - The userinfo.
 */
export const mockUserInfo = (
  hubUrl: string,
  accessToken: string,
  body: Record<string, unknown>
): nock.Scope =>
  nock(hubUrl)
    .get('/oauth/userinfo')
    .matchHeader('authorization', `Bearer ${accessToken}`)
    .reply(200, body);

/**
 * Serves the JWKS once.
 *
 * @param hubUrl - The hub.
 * @param keys - The keys it publishes.
 */
export const mockKeySet = (hubUrl: string, ...keys: SigningKey[]): nock.Scope =>
  nock(hubUrl).get('/oauth/jwks').reply(200, jwksOf(...keys));

export { createTestConnector, expectConnectorError } from './fixtures.js';
