/**
 * A user's browser without the browser: a sign-in to Logto's seeded `demo-app` through the
 * Experience API, with the requests Logto's sign-in page sends (packages/experience:
 * src/apis/experience, pages/SocialSignInWebCallback) and the user's steps at the stand-in.
 *
 * The page: `PUT /api/experience {interactionEvent:"SignIn"}`; `POST
 * /api/experience/verification/social/:id/authorization-uri {state, redirectUri:
 * ${ENDPOINT}/callback/:id}`; at the callback it checks `state` itself and posts `.../verify
 * {verificationId, connectorData: {redirectUri, ...query without state}}`; `POST
 * /api/experience/identification {verificationId}`, on 404 `user.identity_not_exist` `PUT
 * /api/experience/interaction-event {interactionEvent:"Register"}` and the identification again;
 * `POST /api/experience/submit` answers `redirectTo`.
 */
import { createHash, randomBytes } from 'node:crypto';

import { CookieJar, driveSignIn, type SignInChoice } from '../../../stand-in/index.js';

import { expectStatus, requestJson, type JsonResponse } from './http.js';

/** Tokens of `demo-app` after a finished sign-in, and the Logto user id (the ID token's `sub`). */
export type AppTokens = { access_token: string; id_token: string; userId: string };

/** A social sign-in the page has sent to Hugging Face and back, before its callback request. */
export type SocialCallback = {
  verificationId: string;
  /** Posts the callback page's verify request; answers whatever comes back. */
  verify: () => Promise<JsonResponse<{ code?: string; data?: { errorDescription?: string } }>>;
};

const random = (size: number) => randomBytes(size).toString('base64url');

/** One browser session (one cookie jar) signing in to `demo-app` (scopes `openid profile identities`). */
export class ExperienceClient {
  readonly #jar = new CookieJar();
  readonly #endpoint: string;
  readonly #appRedirectUri: string;
  readonly #codeVerifier = random(32);
  readonly #oidcState = random(16);

  /** @param endpoint - Logto's `ENDPOINT`. */
  constructor(endpoint: string) {
    this.#endpoint = endpoint;
    this.#appRedirectUri = `${endpoint}/demo-app`;
  }

  /**
   * The app's authorization request, `SignIn`, the "Continue with …" button and the user's
   * choice at the stand-in.
   *
   * @throws Error when a step before the callback is refused, or the state came back changed.
   */
  async startSocial(connectorId: string, choice: SignInChoice): Promise<SocialCallback> {
    await this.#begin('SignIn');
    const state = random(12);
    const redirectUri = `${this.#endpoint}/callback/${connectorId}`;
    const { verificationId, authorizationUri } = expectStatus(
      await this.#api<{ verificationId: string; authorizationUri: string }>('POST', `/api/experience/verification/social/${connectorId}/authorization-uri`, { state, redirectUri }),
      200,
      'authorization-uri',
    );
    const { state: returned, ...query } = await driveSignIn(authorizationUri, redirectUri, choice);
    if (returned !== state) throw new Error(`The callback's state "${returned}" is not the one the page stored`);
    return {
      verificationId,
      verify: async () =>
        this.#api('POST', `/api/experience/verification/social/${connectorId}/verify`, { verificationId, connectorData: { redirectUri, ...query } }),
    };
  }

  /**
   * A whole social sign-in: {@link ExperienceClient.startSocial}, verify, identification,
   * registration when Logto does not know the identity (typing the Hugging Face username when
   * the sign-up asks for one), submit and the app's code exchange.
   */
  async signInWithSocial(connectorId: string, choice: { username: string }): Promise<AppTokens & { registered: boolean }> {
    const { verificationId, verify } = await this.startSocial(connectorId, choice);
    expectStatus(await verify(), 200, 'social verify');
    const identified = await this.#api<{ code?: string }>('POST', '/api/experience/identification', { verificationId });
    if (identified.status !== 404 || identified.body.code !== 'user.identity_not_exist') {
      expectStatus(identified, 204, 'identification');
      return { ...(await this.#submit()), registered: false };
    }
    expectStatus(await this.#api('PUT', '/api/experience/interaction-event', { interactionEvent: 'Register' }), 204, 'interaction-event');
    const registering = await this.#api<{ code?: string; data?: { missingProfile?: string[] } }>('POST', '/api/experience/identification', { verificationId });
    if (registering.status === 422 && registering.body.data?.missingProfile?.join() === 'username') {
      await this.#profile('username', choice.username);
      expectStatus(await this.#api('POST', '/api/experience/identification', {}), [201, 204], 'identification after the username');
    } else {
      expectStatus(registering, [201, 204], 'identification after Register');
    }
    return { ...(await this.#submit()), registered: true };
  }

  /** A sign-up with username and password, as the page's register and password steps post it. */
  async registerWithPassword(username: string, password: string): Promise<AppTokens> {
    await this.#begin('Register');
    await this.#profile('username', username);
    await this.#profile('password', password);
    expectStatus(await this.#api('POST', '/api/experience/identification', {}), [201, 204], 'identification');
    return this.#submit();
  }

  async #api<T = unknown>(method: string, pathname: string, json?: unknown): Promise<JsonResponse<T>> {
    return requestJson<T>(`${this.#endpoint}${pathname}`, { method, json, jar: this.#jar });
  }

  /** The app's OIDC authorization request (PKCE S256), followed to the sign-in page, then `PUT /api/experience`. */
  async #begin(interactionEvent: 'SignIn' | 'Register'): Promise<void> {
    const url = new URL(`${this.#endpoint}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: 'demo-app',
      redirect_uri: this.#appRedirectUri,
      response_type: 'code',
      scope: 'openid profile identities',
      state: this.#oidcState,
      code_challenge: createHash('sha256').update(this.#codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
      prompt: 'login',
    }).toString();
    await this.#follow(url, (next) => !next.pathname.startsWith('/oidc/'));
    expectStatus(await this.#api('PUT', '/api/experience', { interactionEvent }), 204, 'PUT /api/experience');
  }

  async #profile(type: 'username' | 'password', value: string): Promise<void> {
    expectStatus(await this.#api('POST', '/api/experience/profile', { type, value }), 204, `profile ${type}`);
  }

  /** Submits, follows `redirectTo` (consenting if core asks) to the app's code and exchanges it. */
  async #submit(): Promise<AppTokens> {
    const { redirectTo } = expectStatus(await this.#api<{ redirectTo: string }>('POST', '/api/experience/submit'), 200, 'submit');
    const atApp = (next: URL) => next.href.startsWith(this.#appRedirectUri);
    let callback = await this.#follow(new URL(redirectTo), (next) => atApp(next) || next.pathname.startsWith('/consent'));
    if (!atApp(callback)) {
      const consent = expectStatus(await this.#api<{ redirectTo: string }>('POST', '/api/interaction/consent', {}), 200, 'consent');
      callback = await this.#follow(new URL(consent.redirectTo), atApp);
    }
    const code = callback.searchParams.get('code');
    if (!code || callback.searchParams.get('state') !== this.#oidcState) throw new Error(`The app received no code for its state: ${callback.href}`);
    const form = { grant_type: 'authorization_code', code, redirect_uri: this.#appRedirectUri, code_verifier: this.#codeVerifier, client_id: 'demo-app' };
    const tokens = expectStatus(await requestJson<Omit<AppTokens, 'userId'>>(`${this.#endpoint}/oidc/token`, { form }), 200, 'code exchange');
    const { sub } = JSON.parse(Buffer.from(tokens.id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string };
    return { ...tokens, userId: sub };
  }

  /** GETs `start` and follows redirects with cookies; returns the first location `stop` accepts. */
  async #follow(start: URL, stop: (next: URL) => boolean): Promise<URL> {
    let url = start;
    for (let step = 0; step < 10; step += 1) {
      // eslint-disable-next-line no-await-in-loop -- each redirect leads to the next
      const response = await requestJson(url, { jar: this.#jar, headers: { accept: 'text/html' } });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        throw new Error(`Expected a redirect from ${url.pathname}, got ${response.status}: ${String(response.body).slice(0, 300)}`);
      }
      url = new URL(location, url);
      if (stop(url)) return url;
    }
    throw new Error(`Too many redirects from ${start.href}`);
  }
}
