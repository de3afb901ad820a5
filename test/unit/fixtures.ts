/**
 * Shared fixtures of the unit tests: a valid config, the public connector built from it, and a
 * connector session store that behaves like Logto's.
 */
import {
  type ConnectorSession,
  type GetSession,
  type SocialConnector,
} from '@logto/connector-kit';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';

import createConnector from '../../src/index.js';
import { createLogtoSessionStore } from '../../stand-in/logto/index.js';

/** Client ID of the Hugging Face app the test connector is configured with. */
export const clientId = 'hf-unit-client-id';

/** Client secret of that app; no error may ever contain it. */
export const clientSecret = 'unit-client-secret-Zq81xR';

/** The callback URL Logto sends: `${endpoint}/callback/${connectorId}`. */
export const redirectUri = 'https://logto.test/callback/hf-connector';

/** The `state` Logto generates for a sign-in. */
export const state = 'logto-state-4d1c';

/** An authorization code as Hugging Face puts it in the callback. */
export const authorizationCode = 'hf-code-b7e2c9d04f';

/** An access token shaped like Hugging Face's. */
export const accessToken = 'hf_oauth_unitAccessToken9f3b2a';

/**
 * What Logto's sign-in page posts after the callback: the query without `state`, which the page
 * checked and removed (`packages/experience/src/pages/SocialSignInWebCallback/
 * use-social-sign-in-listener.ts`), plus `redirectUri`. Its `redirectUri` differs from the one
 * saved in the session on purpose: the token request must use the session's.
 */
export const callbackData = Object.freeze({
  code: authorizationCode,
  redirectUri: 'https://sign-in.logto.test/callback/hf-connector',
});

/**
 * What Logto's Account Center posts when a signed-in user links Hugging Face: the whole query,
 * `state` included, with the Account Center's callback URL as `redirectUri`
 * (`packages/account/src/pages/SocialCallback/index.tsx`).
 */
export const accountCenterCallbackData = Object.freeze({
  code: authorizationCode,
  state,
  redirectUri: 'https://logto.test/account/callback/social/hf-connector',
});

/** A successful token response in Hugging Face's shape. */
export const tokenSuccess = Object.freeze({
  access_token: accessToken,
  token_type: 'bearer',
  expires_in: 28_800,
  scope: 'profile',
});

/** A minimal valid config. */
export const config = Object.freeze({ clientId, clientSecret });

/**
 * A hub URL of its own, for tests whose requests or caches must not meet another test's.
 *
 * @param name - Anything that tells the tests apart, e.g. `token-3`.
 */
export const hubUrlFor = (name: string): string => `https://hub-${name}.test`;

/**
 * Creates the connector the way Logto does: through the package's default export, with a
 * `getConfig` that returns `rawConfig`.
 *
 * @param rawConfig - What the admin console stored; the minimal valid config by default.
 */
export const createTestConnector = async (rawConfig: unknown = config): Promise<SocialConnector> =>
  // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getConfig returns a promise
  createConnector({ getConfig: async () => rawConfig });

/** A connector session store with Logto's semantics. */
export type SessionStore = {
  /** Replaces the stored session; a mock, so calls can be counted. */
  setSession: ReturnType<typeof vi.fn<(session: ConnectorSession) => Promise<void>>>;
  /** Reads the stored session back from JSON; an empty object when nothing was stored. */
  getSession: GetSession;
};

/**
 * Creates a session store that, like Logto, replaces its whole content on each `setSession` and
 * keeps it as JSON, so only what survives a JSON round trip reaches `getUserInfo`.
 *
 * @param initial - Content to start with, as if an earlier step had saved it.
 */
export const createSessionStore = (initial?: unknown): SessionStore => {
  const store = createLogtoSessionStore(initial === undefined ? undefined : JSON.stringify(initial));
  return { setSession: vi.fn(store.setSession), getSession: store.getSession };
};

/**
 * Starts a sign-in as Logto does: asks for the authorization URL with the fixture `state` and
 * `redirectUri`, saving the session in `store`.
 *
 * @param scope - The per-request scope override, if any.
 * @returns The authorization URL, parsed.
 */
export const startSignIn = async (
  connector: SocialConnector,
  store: SessionStore,
  scope?: string
): Promise<URL> =>
  new URL(
    await connector.getAuthorizationUri(
      {
        state,
        redirectUri,
        connectorId: 'hf-connector',
        connectorFactoryId: 'huggingface-oidc-universal',
        jti: 'jti-1',
        headers: {},
        ...(scope !== undefined && { scope }),
      },
      store.setSession
    )
  );

/**
 * Reads the PKCE verifier `getAuthorizationUri` saved in the store.
 */
export const savedCodeVerifier = async (store: SessionStore): Promise<string> => {
  const { codeVerifier } = await store.getSession();
  expect(codeVerifier).toEqual(expect.any(String));
  return codeVerifier as string;
};

/**
 * The exact form body of the code exchange, fields in the order the connector sends them.
 *
 * @param codeVerifier - The verifier saved in the session.
 */
export const tokenForm = (codeVerifier: string): string =>
  `grant_type=authorization_code&code=${authorizationCode}&redirect_uri=${encodeURIComponent(
    redirectUri
  )}&code_verifier=${codeVerifier}`;

/**
 * An interceptor for the code exchange that matches only the exact form body, the Basic client
 * authentication and the form content type; the caller adds the reply.
 */
export const tokenEndpoint = (hubUrl: string, codeVerifier: string): nock.Interceptor =>
  nock(hubUrl)
    .post('/oauth/token', tokenForm(codeVerifier))
    .matchHeader('content-type', 'application/x-www-form-urlencoded')
    .basicAuth({ user: clientId, pass: clientSecret });

/**
 * An interceptor for the userinfo request that matches only the Bearer access token; the caller
 * adds the reply.
 */
export const userInfoEndpoint = (hubUrl: string, token: string = accessToken): nock.Interceptor =>
  nock(hubUrl).get('/oauth/userinfo').matchHeader('authorization', `Bearer ${token}`);

export { expectConnectorError } from '../support/expect-connector-error.js';

/**
 * Cuts the test file off the network for its duration: only nock interceptors answer, and each
 * test's interceptors and pending requests are dropped after it, so no test sees another's.
 */
export const isolateNetwork = (): void => {
  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
  });
  afterAll(() => {
    nock.enableNetConnect();
  });
};

/**
 * Records every request nock could not match (with the network disabled, any real request).
 *
 * @returns The list of unmatched requests so far, and a function that stops recording.
 */
export const recordUnmatchedRequests = (): { requests: unknown[]; stop: () => void } => {
  const requests: unknown[] = [];
  const listener = (request: unknown) => {
    requests.push(request);
  };
  nock.emitter.on('no match', listener);
  return { requests, stop: () => nock.emitter.removeListener('no match', listener) };
};
