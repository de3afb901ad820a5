/**
 * The tests' one kit: the Hugging Face app's credentials, a hub of a test's own, a sign-in started
 * and finished as Logto does, Hugging Face's token, userinfo and key-set endpoints scripted with
 * nock, and ID tokens signed for real.
 *
 * What Logto passes and posts comes from its source: `getAuthorizationUri` gets `state`,
 * `redirectUri` (`${endpoint}/callback/${connectorId}`), `connectorId`, `connectorFactoryId`, `jti`
 * and `headers` (`packages/core/src/libraries/connector.ts`); the sign-in page posts the callback
 * query without `state` (`packages/experience/src/pages/SocialSignInWebCallback/
 * use-social-sign-in-listener.ts`); the Account Center posts the whole query, `state` included
 * (`packages/account/src/pages/SocialCallback/index.tsx`).
 */
import { type SocialConnector, type SocialUserInfo, type TokenResponse } from '@logto/connector-kit';
import {
  base64url,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';

import createConnector from '../../src/index.js';
import { createLogtoSessionStore, type LogtoSessionStore } from '../../stand-in/logto/index.js';

import { noAnswerComing } from './fake-clock.js';

export { expectConnectorError } from './expect-connector-error.js';

/** Client ID of the Hugging Face app every test connector is configured with. */
export const clientId = 'hf-test-client-id';

/** Client secret of that app; no error may ever contain it. */
export const clientSecret = 'hf-test-client-secret-Zq81xR';

/** A Hugging Face user id (24 hex digits, as `sub` in userinfo and the ID token). */
export const userId = '65a1b2c3d4e5f60718293a4b';

/** An access token shaped like Hugging Face's. */
export const accessToken = 'hf_oauth_testAccessToken9f3b2a';

/** The callback URL Logto passes to `getAuthorizationUri`: `${endpoint}/callback/${connectorId}`. */
export const logtoCallbackUri = 'https://logto.test/callback/hf-connector';

/**
 * The `redirectUri` Logto's sign-in page posts. It differs from {@link logtoCallbackUri} on
 * purpose: the token request must use the one saved in the session.
 */
export const signInPageUri = 'https://sign-in.logto.test/callback/hf-connector';

/** The `redirectUri` the Account Center posts when a signed-in user links Hugging Face. */
export const accountCenterUri = 'https://logto.test/account/callback/social/hf-connector';

/** A successful token response in Hugging Face's shape, for {@link accessToken}. */
export const tokenSuccess = Object.freeze({
  access_token: accessToken,
  token_type: 'bearer',
  expires_in: 28_800,
  scope: 'profile',
});

/**
 * The one setup of a test file that talks to Hugging Face through nock: the network is cut for the
 * file's duration (only interceptors answer), and each test's interceptors and pending requests are
 * dropped after it, so no test sees another's.
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

let hubCount = 0;

/**
 * A hub URL no other test uses, so no request, cached key set or shared refresh of one test meets
 * another's.
 *
 * @param label - Tells the tests' hubs apart in failure output.
 */
export const newHubUrl = (label = 'hub'): string => `https://hub-${label}-${++hubCount}.test`;

/** The package's default export: `src/index.ts`'s, or the built `lib/index.js`'s. */
export type ConnectorFactory = typeof createConnector;

/**
 * Creates a connector with `create` as Logto does, with a `getConfig` that returns `config` (or,
 * when it is an `Error`, rejects with it). The suites that run the built package pass `lib/`'s
 * default export.
 *
 * @param create - The package's default export.
 * @param config - What the admin console stored.
 */
export const connectorFrom = async (
  create: ConnectorFactory,
  config: unknown
): Promise<SocialConnector> =>
  create({
    // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getConfig returns a promise
    getConfig: async () => {
      if (config instanceof Error) {
        throw config;
      }
      return config;
    },
  });

/**
 * Creates the connector as Logto does, through the package's default export, with a `getConfig`
 * that returns `config` (or, when it is an `Error`, rejects with it).
 *
 * @param config - What the admin console stored.
 */
export const createTestConnector = async (config: unknown): Promise<SocialConnector> =>
  connectorFrom(createConnector, config);

/** What a sign-in needs to start. */
export type SignInOptions = {
  /** Config keys beside the credentials and the hub URL. */
  config?: Record<string, unknown>;
  /** A connector made already; then `hubUrl` must be the hub it is configured with. */
  connector?: SocialConnector;
  /** The hub; a new one by default. */
  hubUrl?: string;
  /** The per-request scope Logto may pass. */
  scope?: string;
  /** The `state` Logto generated; a new one by default. */
  state?: string;
  /** Logto's `setSession`, when a test makes the session store fail; the kit's store by default. */
  setSession?: (session: Record<string, unknown>) => Promise<void>;
};

/** A sign-in after `getAuthorizationUri`: what Hugging Face was sent and what Logto keeps. */
export type StartedSignIn = {
  connector: SocialConnector;
  hubUrl: string;
  /** Logto's connector session store for this sign-in. */
  store: LogtoSessionStore;
  state: string;
  /** The authorization URL, parsed. */
  url: URL;
  /** The authorization code Hugging Face puts in this sign-in's callback. */
  code: string;
  /** The PKCE verifier the connector saved, which the token request must send. */
  codeVerifier: string;
  /** The nonce the authorization URL carried, if any. */
  nonce: string | undefined;
  /** What Logto's sign-in page posts after the callback. */
  signInPagePost: Record<string, string>;
  /** What the Account Center posts after the callback. */
  accountCenterPost: Record<string, string>;
  /** Calls `getUserInfo` with `posted` (the sign-in page's post by default) and the session. */
  finish: (posted?: Record<string, string>) => Promise<SocialUserInfo>;
};

let signInCount = 0;

/**
 * Starts a sign-in as Logto does: `getAuthorizationUri` with Logto's parameters and a fresh
 * session store.
 *
 * @param options - The connector or its config, the scope and the state.
 */
export const startSignIn = async (options: SignInOptions = {}): Promise<StartedSignIn> => {
  const count = ++signInCount;
  const hubUrl = options.hubUrl ?? newHubUrl('sign-in');
  const connector =
    options.connector ??
    (await createTestConnector({ clientId, clientSecret, hubUrl, ...options.config }));
  const store = createLogtoSessionStore();
  const state = options.state ?? `logto-state-${count}`;
  const url = new URL(
    await connector.getAuthorizationUri(
      {
        state,
        redirectUri: logtoCallbackUri,
        connectorId: 'hf-connector',
        connectorFactoryId: 'huggingface-oidc-universal',
        jti: `jti-${count}`,
        headers: { userAgent: 'vitest' },
        ...(options.scope !== undefined && { scope: options.scope }),
      },
      options.setSession ?? store.setSession
    )
  );
  const { codeVerifier } = store.saved() ?? {};
  if (typeof codeVerifier !== 'string') {
    throw new TypeError('getAuthorizationUri saved no PKCE verifier in the session.');
  }
  const code = `hf-code-${count}`;
  const signInPagePost = { code, redirectUri: signInPageUri };
  return {
    connector,
    hubUrl,
    store,
    state,
    url,
    code,
    codeVerifier,
    nonce: url.searchParams.get('nonce') ?? undefined,
    signInPagePost,
    accountCenterPost: { code, state, redirectUri: accountCenterUri },
    finish: async (posted = signInPagePost) => connector.getUserInfo(posted, store.getSession),
  };
};

/**
 * Hugging Face's token endpoint for one sign-in's code exchange, matching only the exact form body
 * (in the order the connector sends it), the form content type and the client's Basic
 * authentication; the caller adds the answer.
 */
export const tokenEndpoint = (signIn: StartedSignIn): nock.Interceptor =>
  nock(signIn.hubUrl)
    .post(
      '/oauth/token',
      new URLSearchParams({
        grant_type: 'authorization_code',
        code: signIn.code,
        redirect_uri: logtoCallbackUri,
        code_verifier: signIn.codeVerifier,
      }).toString()
    )
    .matchHeader('content-type', 'application/x-www-form-urlencoded')
    .basicAuth({ user: clientId, pass: clientSecret });

/** Hugging Face's userinfo endpoint, matching only the Bearer `token`; the caller adds the answer. */
export const userInfoEndpoint = (hubUrl: string, token = accessToken): nock.Interceptor =>
  nock(hubUrl).get('/oauth/userinfo').matchHeader('authorization', `Bearer ${token}`);

/** Hugging Face's key set (JWKS) endpoint; the caller adds the answer. */
export const keySetEndpoint = (hubUrl: string): nock.Interceptor => nock(hubUrl).get('/oauth/jwks');

/**
 * One scripted answer: a status with a body and headers; a connection failure with a Node error
 * code such as `ECONNRESET`; or `'hang'`, no answer at all.
 */
export type ScriptedAnswer =
  | { status: number; body?: string | Record<string, unknown>; headers?: Record<string, string> }
  | { networkError: string }
  | 'hang';

/**
 * Answers the requests `interceptor` matches with `answers` in turn (the last repeats, at most 10
 * requests), recording when (`Date.now()`, fake or real) each arrived.
 */
export const script = (
  interceptor: nock.Interceptor,
  ...answers: ScriptedAnswer[]
): { seen: number[] } => {
  const seen: number[] = [];
  interceptor.times(10).reply((_uri, _body, callback) => {
    const answer = answers[Math.min(seen.length, answers.length - 1)] ?? 'hang';
    seen.push(Date.now());
    if (answer === 'hang') {
      // The server keeps the connection open without answering.
      noAnswerComing();
      return;
    }
    if ('networkError' in answer) {
      callback(Object.assign(new Error('connection failed'), { code: answer.networkError }), [0]);
      return;
    }
    callback(null, [answer.status, answer.body ?? '', answer.headers ?? {}]);
  });
  return { seen };
};

/**
 * Starts a sign-in and answers its code exchange with {@link tokenSuccess} (and `tokenExtras`);
 * the test serves the rest.
 *
 * @param options - As for {@link startSignIn}.
 * @param tokenExtras - Fields added to the token response, e.g. `id_token`.
 */
export const signInUpToUserInfo = async (
  options: SignInOptions = {},
  tokenExtras: Record<string, unknown> = {}
): Promise<StartedSignIn> => {
  const signIn = await startSignIn(options);
  tokenEndpoint(signIn).reply(200, { ...tokenSuccess, ...tokenExtras });
  return signIn;
};

/** A refresh token as Logto keeps it in its secret vault; no error may ever contain it. */
export const refreshToken = 'hf_oauth_refresh_testRefreshToken5e1f';

/** Client credentials, as a connector is configured with them. */
type Client = { clientId: string; clientSecret: string };

/**
 * Hugging Face's token endpoint for a refresh of `token` by `client`, matching only the exact form
 * body, the form content type and the client's Basic authentication; the caller adds the answer.
 */
export const refreshEndpoint = (
  hubUrl: string,
  token = refreshToken,
  client: Client = { clientId, clientSecret }
): nock.Interceptor =>
  nock(hubUrl)
    .post('/oauth/token', new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString())
    .matchHeader('content-type', 'application/x-www-form-urlencoded')
    .basicAuth({ user: client.clientId, pass: client.clientSecret });

/**
 * Logto's refresh of a stored token set: `getAccessTokenByRefreshToken` on a connector of its own,
 * as Logto creates one per request.
 */
export const refreshAsLogto = async (
  hubUrl: string,
  token = refreshToken,
  client: Client = { clientId, clientSecret }
): Promise<TokenResponse> => {
  const connector = await createTestConnector({ ...client, hubUrl });
  return connector.getAccessTokenByRefreshToken!(token);
};

/**
 * Holds the request `interceptor` matches until the test answers it: `arrived` settles when the
 * request reaches the hub, `answer` then sends the status and body.
 */
export const hold = (
  interceptor: nock.Interceptor
): { arrived: Promise<void>; answer: (status: number, body: nock.Body) => void } => {
  let send: ((status: number, body: nock.Body) => void) | undefined;
  const arrived = new Promise<void>((resolve) => {
    interceptor.reply((_uri, _body, callback) => {
      send = (status, body) => {
        callback(null, [status, body]);
      };
      resolve();
    });
  });
  return {
    arrived,
    answer: (status, body) => {
      if (!send) {
        throw new Error('The held request has not arrived yet.');
      }
      send(status, body);
    },
  };
};

/**
 * Signs in up to the userinfo, which gives `answer`, and returns what `getUserInfo` gives Logto.
 *
 * @param answer - The userinfo endpoint's answer.
 * @param options - As for {@link startSignIn}.
 */
export const signInWithUserInfo = async (
  answer: ScriptedAnswer,
  options: SignInOptions = {}
): Promise<SocialUserInfo> => {
  const signIn = await signInUpToUserInfo(options);
  script(userInfoEndpoint(signIn.hubUrl).matchHeader('accept', 'application/json'), answer);
  return signIn.finish();
};

/** An RSA key pair whose public half a key set publishes under `kid`. */
export type SigningKey = { kid: string; privateKey: CryptoKey; publicJwk: JWK };

/** Generates an RS256 key pair and its public JWK (`kid`, `alg`, `use`). */
export const createSigningKey = async (kid: string): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
};

/** A JSON Web Key Set publishing the public halves of `keys`. */
export const jwksOf = (...keys: SigningKey[]): { keys: JWK[] } => ({
  keys: keys.map(({ publicJwk }) => publicJwk),
});

/** The current time in whole seconds, as JWT claims count it. */
export const nowInSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * The claims Hugging Face puts in a valid ID token for `signIn`, issued 5 s ago, valid an hour.
 *
 * @param signIn - The sign-in: its hub's origin is the issuer, its nonce the nonce.
 * @param sub - The user's id.
 */
export const validIdTokenClaims = (signIn: StartedSignIn, sub = userId) => {
  const now = nowInSeconds();
  return {
    iss: new URL(signIn.hubUrl).origin,
    aud: clientId,
    sub,
    iat: now - 5,
    exp: now + 3600,
    auth_time: now - 10,
    nonce: signIn.nonce,
    name: 'Name From The ID Token',
    preferred_username: 'ada-lovelace',
    picture: 'https://cdn.test/avatars/ada-from-token.png',
  } satisfies JWTPayload;
};

/** How {@link signIdToken} signs: an RSA private key or an HMAC secret's bytes, `kid`, `alg`. */
export type SignOptions = { key: CryptoKey | Uint8Array; kid?: string; alg?: string };

/** Signs an ID token with exactly `claims`; nothing is added or defaulted. */
export const signIdToken = async (
  claims: JWTPayload,
  { key, kid, alg = 'RS256' }: SignOptions
): Promise<string> =>
  new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid !== undefined && { kid }) })
    .sign(key);

/**
 * An unsecured JWT (`alg: none`, empty signature), built by hand since jose refuses to sign one
 * (RFC 7519, section 6).
 */
export const unsecuredIdToken = (claims: JWTPayload, kid?: string): string => {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${encode({ alg: 'none', typ: 'JWT', ...(kid !== undefined && { kid }) })}.${encode(claims)}.`;
};
