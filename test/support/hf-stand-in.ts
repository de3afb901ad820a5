/**
 * A Hugging Face stand-in for tests, the browser playground and benchmarks.
 *
 * It runs oidc-provider (a certified OpenID Connect implementation) on loopback, configured to
 * behave like Hugging Face's OAuth server: the same paths, scopes, claims, error answers and
 * quirks (plain OAuth userinfo, refresh tokens without `offline_access`, PKCE for every client).
 * See `/work/shared/HF-OAUTH-FACTS.md` for the behaviour it copies.
 *
 * @example
 * ```ts
 * const hf = await startHfStandIn({ clients: [{ clientId: 'app', clientSecret: 'secret' }] });
 * // hf.url is the hub URL to give the connector, e.g. http://127.0.0.1:41234
 * await hf.close();
 * ```
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type * as Oidc from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

import { knownScopes } from '../../src/constants.js';

/** An organization a demo user belongs to, shaped like an entry of Hugging Face's userinfo `orgs`. */
export type DemoOrganization = {
  /** Stable id: 24 lowercase hex characters, like a MongoDB ObjectId. */
  sub: string;
  /** Display name. */
  name: string;
  /** The organization's URL slug. */
  preferred_username: string;
  /** Subscription plan, e.g. `team` or `enterprise`; absent for free organizations. */
  plan?: string;
};

/** A person who can sign in at the stand-in's login page. */
export type DemoUser = {
  /** Stable id: 24 lowercase hex characters, like a MongoDB ObjectId. */
  sub: string;
  /** The user's URL slug; also the text of their button on the login page. */
  preferred_username: string;
  /** Display name; may be empty, as on Hugging Face. */
  name: string;
  email: string;
  email_verified: boolean;
  isPro: boolean;
  orgs: DemoOrganization[];
};

/** Every scope Hugging Face documents (the connector's own list); the stand-in rejects any other with `invalid_scope`. */
export const hfScopes: readonly string[] = knownScopes;

const mlLab: DemoOrganization = Object.freeze({
  sub: '65a1f0c2e4b7d9a3c5e7f901',
  name: 'ML Lab',
  preferred_username: 'ml-lab',
  plan: 'team',
});

const otherOrg: DemoOrganization = Object.freeze({
  sub: '65a1f0c2e4b7d9a3c5e7f902',
  name: 'Other Org',
  preferred_username: 'other-org',
});

/** The organizations of the demo users: `ml-lab` ("ML Lab", plan `team`) and `other-org`. */
export const demoOrganizations: readonly DemoOrganization[] = Object.freeze([mlLab, otherOrg]);

/**
 * The default demo users:
 * - `ada`: "Ada Lovelace", verified `ada@example.com`, PRO, member of `ml-lab`;
 * - `blank`: empty display name, unverified `blank@example.com`, not PRO, no organizations;
 * - `outsider`: "Out Sider", verified `outsider@example.com`, member of `other-org` only.
 */
export const demoUsers: readonly DemoUser[] = Object.freeze([
  Object.freeze({
    sub: '64b7f0a1c2d3e4f5a6b7c801',
    preferred_username: 'ada',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    email_verified: true,
    isPro: true,
    orgs: [mlLab],
  }),
  Object.freeze({
    sub: '64b7f0a1c2d3e4f5a6b7c802',
    preferred_username: 'blank',
    name: '',
    email: 'blank@example.com',
    email_verified: false,
    isPro: false,
    orgs: [],
  }),
  Object.freeze({
    sub: '64b7f0a1c2d3e4f5a6b7c803',
    preferred_username: 'outsider',
    name: 'Out Sider',
    email: 'outsider@example.com',
    email_verified: true,
    isPro: false,
    orgs: [otherOrg],
  }),
]);

/** An OAuth app registered at the stand-in, like an app in Hugging Face's settings. */
export type StandInClient = {
  clientId: string;
  /** Sent with `client_secret_basic` (HTTP Basic) at the token endpoint. */
  clientSecret: string;
  /** Scopes enabled in the app's settings; default every scope in {@link hfScopes}. */
  allowedScopes?: string[];
  /**
   * Registered redirect URIs, matched exactly except that any port is accepted for `http`
   * loopback hosts (HF's rule). Default: any `http://127.0.0.1`, `http://localhost` or
   * `http://[::1]` URL is accepted.
   */
  redirectUris?: string[];
};

/** Options of {@link startHfStandIn}. */
export type StandInOptions = {
  /** Interface to listen on; default `127.0.0.1`. Keep it a loopback address. */
  host?: string;
  /** Port to listen on; default `0`, a random free port. */
  port?: number;
  /** The registered OAuth apps. */
  clients: StandInClient[];
  /** Who can sign in; default {@link demoUsers}. */
  users?: readonly DemoUser[];
  /** Serve HTTPS with this PEM key and certificate. Clients must trust the certificate. */
  tls?: { key: string; cert: string };
  /**
   * Issuer and base URL to announce instead of the listening origin, e.g. `https://huggingface.co`
   * when the caller resolves that name to this server. With it, every URL the server builds
   * (discovery, redirects) uses this origin whatever Host a request carries; without it, they
   * follow the request's Host, so `localhost` and `127.0.0.1` both work in a browser.
   */
  publicUrl?: string;
  /** Access token lifetime; default 28800 (8 hours, Hugging Face's default). */
  accessTokenTtlSeconds?: number;
};

/** A running stand-in. */
export type StandIn = {
  /** The issuer origin without a trailing slash (`publicUrl` when given); pass it as the connector's `hubUrl`. */
  url: string;
  /** The ID token `iss`; equal to {@link StandIn.url}. */
  issuer: string;
  /** Where the server really listens, e.g. `http://127.0.0.1:41234`; differs from `url` only with `publicUrl`. */
  localUrl: string;
  /** Requests received per path, e.g. `requestCounts['/oauth/jwks']`. Reset with {@link StandIn.resetCounts}. */
  readonly requestCounts: Record<string, number>;
  /** Sets every count of {@link StandIn.requestCounts} back to nothing. */
  resetCounts(): void;
  /** The query of the most recent `GET /oauth/authorize` request (e.g. to assert PKCE, `nonce`, `orgIds`). */
  readonly lastAuthorizationParams?: Record<string, string>;
  /** Makes a new RSA key with a new `kid` the signing key; the old key leaves the JWKS at once. */
  rotateSigningKey(): Promise<void>;
  /** Stops the server and closes every open connection, keep-alive ones included. */
  close(): Promise<void>;
};

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

type OidcModule = typeof Oidc;

let oidcModule: Promise<OidcModule> | undefined;

/**
 * Imports oidc-provider once. Its entry module warns on Node.js 20 ("Unsupported runtime") at
 * import time; that single notice is dropped so the stand-in stays quiet. It works on Node 20.
 */
function loadOidcProvider(): Promise<OidcModule> {
  oidcModule ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) {
        return;
      }
      warn.apply(console, args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return oidcModule;
}

async function createSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: 'RSA', e: jwk.e, n: jwk.n });
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

/** `http` loopback URL without its port, or `undefined` for any other URL. */
function loopbackWithoutPort(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || !loopbackHosts.has(url.hostname) || value.includes('#')) {
    return undefined;
  }
  url.port = '';
  return url.href;
}

function redirectRule(client: StandInClient): (value: string) => boolean {
  const registered = client.redirectUris;
  if (!registered?.length) {
    return (value) => loopbackWithoutPort(value) !== undefined;
  }
  return (value) => {
    if (registered.includes(value)) {
      return true;
    }
    const withoutPort = loopbackWithoutPort(value);
    return withoutPort !== undefined && registered.some((uri) => loopbackWithoutPort(uri) === withoutPort);
  };
}

/** Escapes text for HTML element content and double-quoted attribute values. */
function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
ul{padding:0}li{list-style:none;margin:.5rem 0}button{font:inherit;padding:.35rem .9rem;cursor:pointer}
.who{color:#555;margin-left:.5rem}.error{color:#b00020}code{background:#f3f3f3;padding:0 .2rem}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

const avatarColors = ['#ff9d0b', '#5d34f2', '#0b8f6a', '#d6336c', '#1c7ed6'];

/** An avatar: the name's first letter on a colour picked from the name. */
function serveAvatar(res: http.ServerResponse, name: string) {
  const color = avatarColors[[...name].reduce((sum, c) => sum + c.charCodeAt(0), 0) % avatarColors.length];
  const letter = (name[0] ?? '?').toUpperCase().replace(/[^\w]/g, '?');
  res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
  res.end(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="32" fill="${color}"/>` +
      `<text x="32" y="42" font-family="sans-serif" font-size="30" font-weight="700" fill="#fff" text-anchor="middle">${letter}</text></svg>`,
  );
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

async function readForm(req: http.IncomingMessage, limit = 64 * 1024): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      throw new Error('request body too large');
    }
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Drops oidc-provider's session cookies from a request, so that no one stays signed in: every
 * authorization shows the login page, and a browser can sign in as another demo user without
 * oidc-provider's "different account, log out first" detour.
 */
function forgetSession(req: http.IncomingMessage): void {
  const header = req.headers.cookie;
  if (!header) {
    return;
  }
  const kept = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => {
      const equals = part.indexOf('=');
      const name = equals === -1 ? part : part.slice(0, equals);
      return part !== '' && name !== '_session' && name !== '_session.sig';
    });
  if (kept.length) {
    req.headers.cookie = kept.join('; ');
  } else {
    delete req.headers.cookie;
  }
}

/**
 * Starts a Hugging Face stand-in on loopback and resolves once it accepts connections.
 *
 * Served paths: `/.well-known/openid-configuration`, `/oauth/authorize`, `/oauth/token`,
 * `/oauth/userinfo`, `/oauth/jwks`, plus the login page under `/interaction/`. Every
 * authorization shows the login page (there is no remembered session); consent is granted
 * automatically for the requested scopes.
 */
export async function startHfStandIn(options: StandInOptions): Promise<StandIn> {
  const { Provider, errors } = await loadOidcProvider();
  const { InvalidScope } = errors;

  const users = options.users ?? demoUsers;
  const host = options.host ?? '127.0.0.1';
  if (!/^(?:localhost|::1|\[::1\]|127(?:\.\d{1,3}){3})$/.test(host)) {
    throw new TypeError(`The stand-in listens on loopback only, not on "${host}"`);
  }
  if (options.publicUrl !== undefined && new URL(options.publicUrl).pathname !== '/') {
    throw new TypeError('publicUrl must be an origin such as https://huggingface.co, without a path');
  }
  const accessTokenTtl = options.accessTokenTtlSeconds ?? 28_800;
  const clients = options.clients;
  const redirectRules = new Map(clients.map((client) => [client.clientId, redirectRule(client)]));
  const allowedScopes = new Map(
    clients.map((client) => [client.clientId, new Set(client.allowedScopes ?? hfScopes)]),
  );
  const knownScopeSet = new Set(hfScopes);
  // One store for every provider instance (key rotation builds a new one), sized for load tests;
  // oidc-provider's default in-memory store keeps only about 1,000 entries.
  const store = new LRU({ maxSize: 200_000 });
  const cookieKeys = [randomBytes(32).toString('base64url')];

  const requestCounts: Record<string, number> = {};
  let lastAuthorizationParams: Record<string, string> | undefined;
  let issuer = '';
  let publicOrigin: URL | undefined;
  let current: { provider: Oidc.Provider; handle: (req: http.IncomingMessage, res: http.ServerResponse) => void } | undefined;

  const findUser = (sub: string) => users.find((user) => user.sub === sub);
  const profileUrl = (user: DemoUser) => `${issuer}/${encodeURIComponent(user.preferred_username)}`;
  // Avatars are served by the stand-in itself, so pages that show them need no network.
  const pictureUrl = (owner: { preferred_username: string }) =>
    `${issuer}/avatars/${encodeURIComponent(owner.preferred_username)}.svg`;

  const buildProvider = (signingKey: JWK) => {
    const provider = new Provider(issuer, {
      adapter: (model: string) => new MemoryAdapter(model, store, 15),
      clients: clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        // With no registered URI, any loopback URL is accepted (see the redirectUriAllowed patch).
        redirect_uris: client.redirectUris?.length ? client.redirectUris : ['http://127.0.0.1/'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      jwks: { keys: [signingKey] },
      scopes: [...hfScopes],
      claims: {
        openid: ['sub', 'auth_time'], // HF's ID token carries auth_time
        profile: ['name', 'preferred_username', 'picture', 'profile', 'website'],
        email: ['email', 'email_verified'],
      },
      // HF puts the profile claims into the ID token even though an access token is issued.
      conformIdTokenClaims: false,
      extraParams: {
        // Runs on every authorization request after oidc-provider validated the client and the
        // redirect_uri, so throwing here produces oidc-provider's own error redirect with `state`.
        // oidc-provider would otherwise drop unknown scopes silently; HF rejects them.
        orgIds: async (ctx: Oidc.KoaContextLike) => {
          const clientId = ctx.oidc.client?.clientId ?? '';
          // The raw query (the only way in: POST to /oauth/authorize is off by default), because
          // oidc-provider has already dropped `offline_access` from params.scope.
          const raw = ctx.query.scope;
          const requested = typeof raw === 'string' ? raw : (ctx.oidc.params.scope ?? '');
          for (const scope of requested.split(' ')) {
            if (!scope) continue;
            if (!knownScopeSet.has(scope)) {
              throw new InvalidScope(`Unknown scope "${scope}"`);
            }
            if (!allowedScopes.get(clientId)?.has(scope)) {
              throw new InvalidScope(`The scope "${scope}" is not enabled for this application`);
            }
          }
        },
      },
      pkce: { required: () => true },
      responseTypes: ['code'],
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
      allowOmittingSingleRegisteredRedirectUri: false,
      enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
      routes: {
        authorization: '/oauth/authorize',
        token: '/oauth/token',
        userinfo: '/oauth/userinfo',
        jwks: '/oauth/jwks',
      },
      features: {
        devInteractions: { enabled: false },
        dPoP: { enabled: false },
        pushedAuthorizationRequests: { enabled: false },
        resourceIndicators: { enabled: false },
        rpInitiatedLogout: { enabled: false },
        // Announced in discovery; the wrapper answers /oauth/userinfo itself (see serveUserinfo).
        userinfo: { enabled: true },
      },
      interactions: {
        url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
      },
      async findAccount(_ctx: unknown, sub: string) {
        const user = findUser(sub);
        if (!user) return undefined;
        return {
          accountId: sub,
          async claims(use: string) {
            const profile = {
              sub,
              name: user.name,
              preferred_username: user.preferred_username,
              picture: pictureUrl(user),
              profile: profileUrl(user),
            };
            // The ID token carries profile claims only; email comes from userinfo.
            return use === 'id_token' ? profile : { ...profile, email: user.email, email_verified: user.email_verified };
          },
        };
      },
      // HF has no offline_access: every code exchange gets a refresh token, rotated on each use.
      issueRefreshToken: async (_ctx: unknown, client: Oidc.ClientLike) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: true,
      expiresWithSession: async () => false,
      clientBasedCORS: () => true,
      cookies: { keys: cookieKeys },
      ttl: {
        AccessToken: accessTokenTtl,
        AuthorizationCode: 60,
        IdToken: 3600,
        RefreshToken: 30 * 24 * 3600,
        Grant: 30 * 24 * 3600,
        Interaction: 3600,
        Session: 600,
      },
      async renderError(ctx: Oidc.KoaContextLike, out: Record<string, string | undefined>) {
        ctx.type = 'html';
        ctx.body = htmlPage(
          'Hugging Face (stand-in): error',
          `<h1>Something went wrong</h1>
<p class="error"><code>${escapeHtml(out.error ?? 'error')}</code></p>
<p>${escapeHtml(out.error_description ?? '')}</p>`,
        );
      },
    });
    provider.silent = true;
    provider.proxy = publicOrigin !== undefined;
    // oidc-provider matches redirect URIs exactly (or ignores the loopback port for native apps
    // only); HF's rules differ, so this provider's Client class gets them instead.
    provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(this: Oidc.ClientLike, value: string) {
      return redirectRules.get(this.clientId)?.(value) ?? false;
    };
    return { provider, handle: provider.callback() };
  };

  /** HF answers userinfo for any token with `profile`, not only for `openid` tokens. */
  async function serveUserinfo(req: http.IncomingMessage, res: http.ServerResponse, provider: Oidc.Provider) {
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'authorization',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, POST' });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendJson(res, 405, { error: 'invalid_request', error_description: 'Use GET or POST' }, { allow: 'GET, POST', ...cors });
      return;
    }
    req.resume();
    const unauthorized = () =>
      sendJson(res, 401, { error: 'invalid_token' }, { ...cors, 'www-authenticate': 'Bearer error="invalid_token"' });

    const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
    const token = match?.[1] ? await provider.AccessToken.find(match[1]) : undefined;
    if (!token || token.isExpired) return unauthorized();
    const grant = await provider.Grant.find(token.grantId);
    if (!grant || grant.clientId !== token.clientId || grant.accountId !== token.accountId) return unauthorized();
    const user = findUser(token.accountId);
    if (!user) return unauthorized();

    const claims: Record<string, unknown> = { sub: user.sub };
    if (token.scopes.has('profile')) {
      Object.assign(claims, {
        name: user.name,
        preferred_username: user.preferred_username,
        picture: pictureUrl(user),
        profile: profileUrl(user),
        isPro: user.isPro,
        orgs: user.orgs.map((org) => ({
          sub: org.sub,
          name: org.name,
          preferred_username: org.preferred_username,
          picture: pictureUrl(org),
          ...(org.plan === undefined ? {} : { plan: org.plan }),
        })),
      });
    }
    if (token.scopes.has('email')) {
      Object.assign(claims, { email: user.email, email_verified: user.email_verified });
    }
    sendJson(res, 200, claims, cors);
  }

  function loginPage(details: Oidc.InteractionLike, error?: string): string {
    const params = details.params;
    const scope = typeof params.scope === 'string' ? params.scope : '';
    const orgIds = typeof params.orgIds === 'string' ? params.orgIds : '';
    const uid = encodeURIComponent(details.uid);
    const buttons = users
      .map((user) => {
        const who = [user.name || '(no display name)', user.email].join(' · ');
        return `<li><button type="submit" name="username" value="${escapeHtml(user.preferred_username)}">${escapeHtml(user.preferred_username)}</button><span class="who">${escapeHtml(who)}</span></li>`;
      })
      .join('\n');
    return htmlPage(
      'Sign in to Hugging Face (stand-in)',
      `<h1>Sign in to Hugging Face (stand-in)</h1>
<p><code>${escapeHtml(params.client_id ?? '')}</code> asks for: <code>${escapeHtml(scope || '(no scope)')}</code></p>
${orgIds ? `<p>Organization access requested: <code>${escapeHtml(orgIds)}</code></p>` : ''}
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<p>Choose who signs in:</p>
<form method="post" action="/interaction/${uid}/login">
<ul>
${buttons}
</ul>
</form>
<form method="post" action="/interaction/${uid}/abort">
<button type="submit">Cancel</button>
</form>`,
    );
  }

  async function grantScopes(provider: Oidc.Provider, details: Oidc.InteractionLike, accountId: string): Promise<string> {
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (typeof details.params.scope === 'string' && details.params.scope) {
      grant.addOIDCScope(details.params.scope);
    }
    return grant.save();
  }

  async function serveInteraction(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    provider: Oidc.Provider,
    uid: string,
    action: string | undefined,
  ) {
    const expired = () =>
      sendHtml(
        res,
        400,
        htmlPage(
          'Hugging Face (stand-in): error',
          '<h1>Sign-in request expired</h1><p>This sign-in request has expired or is unknown. Start again from the application.</p>',
        ),
      );

    let details: Oidc.InteractionLike;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      req.resume();
      return expired();
    }
    if (details.uid !== uid) {
      req.resume();
      return expired();
    }

    const expectedMethod = action === undefined ? 'GET' : 'POST';
    if (req.method !== expectedMethod) {
      req.resume();
      res.writeHead(405, { allow: expectedMethod, 'content-length': 0 });
      res.end();
      return;
    }

    if (action === undefined) {
      return sendHtml(res, 200, loginPage(details));
    }

    if (action === 'abort') {
      req.resume();
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user cancelled' },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    const form = await readForm(req);
    const username = form.get('username');
    const user = users.find((candidate) => candidate.preferred_username === username);
    if (!user) {
      return sendHtml(res, 400, loginPage(details, `Unknown user "${username ?? ''}"`));
    }
    const grantId = await grantScopes(provider, details, user.sub);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://stand-in.invalid');
    requestCounts[pathname] = (requestCounts[pathname] ?? 0) + 1;
    if (!current) {
      sendJson(res, 503, { error: 'temporarily_unavailable' });
      return;
    }
    const { provider, handle: oidcHandle } = current;

    if (pathname === '/oauth/authorize' && req.method === 'GET') {
      lastAuthorizationParams = Object.fromEntries(searchParams);
    }
    if (pathname === '/oauth/userinfo') {
      return serveUserinfo(req, res, provider);
    }
    const avatar = /^\/avatars\/([\w.-]+)\.svg$/.exec(pathname);
    if (avatar?.[1] && req.method === 'GET') {
      serveAvatar(res, avatar[1]);
      return;
    }
    const interaction = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(pathname);
    if (interaction?.[1]) {
      return serveInteraction(req, res, provider, interaction[1], interaction[2]);
    }
    forgetSession(req);
    if (publicOrigin) {
      // Trusted by the provider (proxy = true): makes it build every URL from publicUrl.
      req.headers['x-forwarded-host'] = publicOrigin.host;
      req.headers['x-forwarded-proto'] = publicOrigin.protocol.slice(0, -1);
    }
    oidcHandle(req, res);
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        sendJson(res, 500, { error: 'server_error' });
      } else {
        res.destroy();
      }
    });
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener)
    : http.createServer(listener);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host.replace(/^\[(.*)\]$/, '$1'), () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const localUrl = `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`;
  issuer = (options.publicUrl ?? localUrl).replace(/\/+$/, '');
  publicOrigin = options.publicUrl === undefined ? undefined : new URL(issuer);

  try {
    current = buildProvider(await createSigningKey());
  } catch (error) {
    server.close();
    throw error;
  }

  let closing: Promise<void> | undefined;

  return {
    url: issuer,
    issuer,
    localUrl,
    requestCounts,
    resetCounts() {
      for (const key of Object.keys(requestCounts)) delete requestCounts[key];
    },
    get lastAuthorizationParams() {
      return lastAuthorizationParams;
    },
    async rotateSigningKey() {
      // oidc-provider's key store is fixed at construction: build a new provider with the new key.
      // Clients, cookie keys and the token store are shared, so sign-ins in flight and issued
      // tokens keep working.
      current = buildProvider(await createSigningKey());
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
