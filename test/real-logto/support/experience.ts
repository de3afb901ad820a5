/**
 * A user's browser without the browser: an OIDC sign-in of Logto's seeded `demo-app`, driven
 * through the Experience API with exactly the requests Logto's sign-in page
 * (packages/experience) sends, and the user's steps at the Hugging Face stand-in.
 *
 * What the page posts, in order (packages/experience/src/apis/experience, pages/SocialSignInWebCallback):
 * `PUT /api/experience {interactionEvent:"SignIn"}`; `POST
 * /api/experience/verification/social/:id/authorization-uri {state, redirectUri:
 * ${ENDPOINT}/callback/:id}`; at the callback it checks `state` itself and posts `POST
 * .../social/:id/verify {verificationId, connectorData: {redirectUri, ...query without state}}`;
 * then `POST /api/experience/identification {verificationId}`, on 404 `user.identity_not_exist`
 * `PUT /api/experience/interaction-event {interactionEvent:"Register"}` and the identification
 * again; `POST /api/experience/submit` answers `redirectTo`.
 */
import { createHash, randomBytes } from 'node:crypto';

import { CookieJar, driveSignIn, type SignInChoice } from '../../../stand-in/index.js';

import { expectStatus, requestJson, type JsonResponse } from './http.js';

/** Tokens of `demo-app` after a finished sign-in. */
export type AppTokens = {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  scope?: string;
  /** The ID token's `sub`: the Logto user id. */
  userId: string;
};

/** A started social verification, as the sign-in page keeps it. */
export type SocialStart = {
  verificationId: string;
  authorizationUri: string;
  /** The state the page generated and stored; the provider must send it back. */
  state: string;
  /** `${ENDPOINT}/callback/${connectorId}`. */
  redirectUri: string;
};

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** Options of {@link ExperienceClient}. */
export type ExperienceClientOptions = {
  /** OIDC client id; default the seeded `demo-app`. */
  clientId?: string;
  /** Its redirect URI; default `${endpoint}/demo-app`, registered for `demo-app` by the seed. */
  appRedirectUri?: string;
  /** Requested scopes; default `openid profile identities` (`identities` lets the Account API read stored tokens). */
  scopes?: string[];
};

/** One browser session (one cookie jar) signing in to one Logto app. */
export class ExperienceClient {
  /** Cookies of Logto and of the app's OIDC interaction. */
  readonly jar = new CookieJar();
  /** Core's user endpoint, e.g. `http://127.0.0.1:3301`. */
  readonly endpoint: string;
  /** The app signing in. */
  readonly clientId: string;
  /** Where the app receives its code. */
  readonly appRedirectUri: string;
  /** The scopes the app asks for. */
  readonly scopes: string[];
  #codeVerifier = '';
  #oidcState = '';

  constructor(endpoint: string, options: ExperienceClientOptions = {}) {
    this.endpoint = endpoint;
    this.clientId = options.clientId ?? 'demo-app';
    this.appRedirectUri = options.appRedirectUri ?? `${endpoint}/demo-app`;
    this.scopes = options.scopes ?? ['openid', 'profile', 'identities'];
  }

  /** Calls `${endpoint}${path}` with this session's cookies; answers whatever comes back. */
  async api<T = unknown>(method: string, path: string, json?: unknown): Promise<JsonResponse<T>> {
    return requestJson<T>(`${this.endpoint}${path}`, { method, json, jar: this.jar });
  }

  /**
   * Starts the app's OIDC authorization request (PKCE S256) and follows core's redirects up to
   * the sign-in page, which sets the interaction cookie the Experience API needs.
   */
  async startAuthorization(): Promise<void> {
    this.#codeVerifier = base64url(randomBytes(32));
    this.#oidcState = base64url(randomBytes(16));
    const url = new URL(`${this.endpoint}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: this.clientId,
      redirect_uri: this.appRedirectUri,
      response_type: 'code',
      scope: this.scopes.join(' '),
      state: this.#oidcState,
      code_challenge: base64url(createHash('sha256').update(this.#codeVerifier).digest()),
      code_challenge_method: 'S256',
      prompt: 'login',
    }).toString();
    const location = await this.#followUntil(url, (next) => !next.pathname.startsWith('/oidc/'));
    if (location.origin !== this.endpoint) throw new Error(`The authorization request left for ${location.href}`);
  }

  /** `PUT /api/experience`: starts (or restarts) the interaction with `SignIn` or `Register`. */
  async begin(interactionEvent: 'SignIn' | 'Register' = 'SignIn'): Promise<void> {
    expectStatus(await this.api('PUT', '/api/experience', { interactionEvent }), 204, 'PUT /api/experience');
  }

  /** What the "Continue with …" button sends: a new state and `${ENDPOINT}/callback/:id` as redirect URI. */
  async startSocial(connectorId: string): Promise<JsonResponse<{ verificationId: string; authorizationUri: string }> & { state: string; redirectUri: string }> {
    const state = base64url(randomBytes(12));
    const redirectUri = `${this.endpoint}/callback/${connectorId}`;
    const response = await this.api<{ verificationId: string; authorizationUri: string }>(
      'POST',
      `/api/experience/verification/social/${connectorId}/authorization-uri`,
      { state, redirectUri },
    );
    return { ...response, state, redirectUri };
  }

  /**
   * What the callback page does with the provider's query: checks `state` against the stored
   * one (as the page does in the browser), drops it and posts the rest with `redirectUri`.
   *
   * @throws Error when the query's `state` is not the page's (the page would stop there).
   */
  async verifySocial(connectorId: string, start: SocialStart, query: Record<string, string>): Promise<JsonResponse<{ verificationId: string }>> {
    const { state, ...rest } = query;
    if (state !== start.state) throw new Error(`The callback's state "${state}" is not the one the page stored`);
    return this.api('POST', `/api/experience/verification/social/${connectorId}/verify`, {
      verificationId: start.verificationId,
      connectorData: { redirectUri: start.redirectUri, ...rest },
    });
  }

  /**
   * `POST /api/experience/identification`: `{verificationId}`, or `{}` to identify a new user by
   * the profile given so far (the password sign-up does that).
   */
  async identify(verificationId?: string): Promise<JsonResponse<{ code?: string; message?: string }>> {
    return this.api('POST', '/api/experience/identification', verificationId ? { verificationId } : {});
  }

  /** `PUT /api/experience/interaction-event`: switches the event, e.g. to `Register` after a 404. */
  async switchEvent(interactionEvent: 'SignIn' | 'Register'): Promise<void> {
    expectStatus(await this.api('PUT', '/api/experience/interaction-event', { interactionEvent }), 204, 'PUT interaction-event');
  }

  /** `POST /api/experience/profile`, e.g. `{type:"username", value}` or `{type:"password", value}`. */
  async updateProfile(profile: { type: string; value: string }): Promise<void> {
    expectStatus(await this.api('POST', '/api/experience/profile', profile), 204, `POST profile ${profile.type}`);
  }

  /** `POST /api/experience/submit`, then the app's part: follows `redirectTo` to the code and exchanges it. */
  async submitAndFinish(): Promise<AppTokens> {
    const { redirectTo } = expectStatus(await this.api<{ redirectTo: string }>('POST', '/api/experience/submit'), 200, 'submit');
    return this.finish(redirectTo);
  }

  /**
   * Follows `redirectTo` (consenting if core asks, as the consent page does) until the app's
   * redirect URI receives a code, then exchanges it with the PKCE verifier.
   */
  async finish(redirectTo: string): Promise<AppTokens> {
    let callback = await this.#followUntil(new URL(redirectTo), (next) => next.href.startsWith(this.appRedirectUri) || next.pathname.startsWith('/consent'));
    if (callback.pathname.startsWith('/consent')) {
      const consent = expectStatus(await this.api<{ redirectTo: string }>('POST', '/api/interaction/consent', {}), 200, 'consent');
      callback = await this.#followUntil(new URL(consent.redirectTo), (next) => next.href.startsWith(this.appRedirectUri));
    }
    const code = callback.searchParams.get('code');
    if (!code || callback.searchParams.get('state') !== this.#oidcState) {
      throw new Error(`The app received no code for its state: ${callback.href}`);
    }
    const tokens = expectStatus(
      await requestJson<Omit<AppTokens, 'userId'>>(`${this.endpoint}/oidc/token`, {
        form: {
          grant_type: 'authorization_code',
          code,
          redirect_uri: this.appRedirectUri,
          code_verifier: this.#codeVerifier,
          client_id: this.clientId,
        },
      }),
      200,
      'code exchange',
    );
    const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string };
    return { ...tokens, userId: claims.sub };
  }

  /**
   * The first half of a social sign-in, as the page does it: a new authorization request of the
   * app, `SignIn`, the "Continue with …" button, the user's choice at the provider, and the
   * callback page's verify request.
   *
   * @returns The verify response (a refusal included) and the verification id.
   * @throws Error when a step before verify is refused.
   */
  async socialCallback(connectorId: string, choice: SignInChoice): Promise<{ verificationId: string; verify: JsonResponse<{ verificationId?: string; code?: string; message?: string }> }> {
    await this.startAuthorization();
    await this.begin('SignIn');
    const start = await this.startSocial(connectorId);
    const { verificationId, authorizationUri } = expectStatus(start, 200, 'authorization-uri');
    const query = await driveSignIn(authorizationUri, start.redirectUri, choice);
    const verify = await this.verifySocial(connectorId, { ...start, verificationId, authorizationUri }, query);
    return { verificationId, verify };
  }

  /**
   * A whole sign-in with a social connector: {@link ExperienceClient.socialCallback},
   * identification, registration when Logto does not know the identity (as the page does on
   * 404 `user.identity_not_exist`; when the sign-up asks for a username, the provider's
   * username is typed in), submit, and the app's code exchange.
   *
   * @returns The app's tokens and whether Logto created the user.
   * @throws Error naming the step and Logto's answer when a step is refused.
   */
  async signInWithSocial(connectorId: string, choice: SignInChoice): Promise<AppTokens & { registered: boolean }> {
    const { verificationId, verify } = await this.socialCallback(connectorId, choice);
    expectStatus(verify, 200, 'social verify');
    const identified = await this.identify(verificationId);
    if (identified.status !== 404 || identified.body.code !== 'user.identity_not_exist') {
      expectStatus(identified, 204, 'identification');
      return { ...(await this.submitAndFinish()), registered: false };
    }
    await this.switchEvent('Register');
    const registering = await this.identify(verificationId);
    if (registering.status === 422 && registering.body.code === 'user.missing_profile') {
      // The page's "continue" step: the sign-up asks for a username the provider did not give;
      // the user types one (here their Hugging Face username), then the page identifies again.
      const missing = (registering.body as { data?: { missingProfile?: string[] } }).data?.missingProfile ?? [];
      if (missing.join() !== 'username' || 'cancel' in choice) {
        throw new Error(`Sign-up asks for more than a username: ${JSON.stringify(registering.body)}`);
      }
      await this.updateProfile({ type: 'username', value: choice.username });
      expectStatus(await this.identify(), [201, 204], 'identification after the username');
    } else {
      expectStatus(registering, [201, 204], 'identification after Register');
    }
    return { ...(await this.submitAndFinish()), registered: true };
  }

  /** Sign-up with a username and password, as the page's register and password steps post it. */
  async registerWithPassword(username: string, password: string): Promise<AppTokens> {
    await this.startAuthorization();
    await this.begin('Register');
    await this.updateProfile({ type: 'username', value: username });
    await this.updateProfile({ type: 'password', value: password });
    expectStatus(await this.identify(), [201, 204], 'identification');
    return this.submitAndFinish();
  }

  /** GETs `start` and follows same-origin redirects with cookies; returns the first location `stop` accepts. */
  async #followUntil(start: URL, stop: (next: URL) => boolean): Promise<URL> {
    let url = start;
    for (let step = 0; step < 10; step += 1) {
      // eslint-disable-next-line no-await-in-loop
      const response = await requestJson(url, { jar: this.jar, headers: { accept: 'text/html' } });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        throw new Error(`Expected a redirect from ${url.pathname}, got ${response.status}: ${String(response.body).slice(0, 300)}`);
      }
      const next = new URL(location, url);
      if (stop(next)) return next;
      url = next;
    }
    throw new Error(`Too many redirects from ${start.href}`);
  }
}
