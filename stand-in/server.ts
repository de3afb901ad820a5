/**
 * The stand-in's HTTP server: it routes the login page, userinfo and avatars itself and hands
 * every other request to oidc-provider.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type * as Oidc from 'oidc-provider';

import { createAccountDirectory, type AccountDirectory, demoUsers, type DemoUser } from './accounts.js';
import { avatarPath, avatarSvg, userInfoClaims } from './claims.js';
import { redirectUriRule, type StandInClient } from './clients.js';
import {
  sendExpiredInteraction,
  sendHtml,
  sendInvalidToken,
  sendJson,
  sendMethodNotAllowed,
  sendServerError,
  sendUnavailable,
} from './faults.js';
import { createSharedStore, loadOidcProvider, type RefreshTokenReuse } from './oidc-provider.js';
import { faviconPaths, faviconSvg, loginPage } from './pages.js';
import { buildProvider, type ProviderInstance, type ProviderSettings } from './provider.js';
import { createScopePolicy } from './scope-policy.js';
import { isLoopbackHost, listenOnLoopback } from './web.js';

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
  /**
   * What the token endpoint does with a refresh token an earlier refresh rotated out. Default
   * `revoke-grant`: reuse detection (RFC 9700, section 4.14.2), oidc-provider's own behaviour,
   * the harsher of the two; `reject` refuses that token and leaves the grant alone. Whether
   * Hugging Face detects reuse is not documented.
   */
  refreshTokenReuse?: RefreshTokenReuse;
  /**
   * Runs when a request reaches the token endpoint, before it is answered (`response` is where
   * the answer will go): a test can hold requests there, e.g. until several have arrived, to make
   * a race happen every time.
   */
  beforeTokenRequest?: (response: http.ServerResponse) => Promise<void>;
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

const createSigningKey = async (): Promise<JWK> => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: 'RSA', e: jwk.e, n: jwk.n });
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
};

const readForm = async (req: http.IncomingMessage, limit = 64 * 1024): Promise<URLSearchParams> => {
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
};

/**
 * Drops oidc-provider's session cookies from a request, so that no one stays signed in: every
 * authorization shows the login page, and a browser can sign in as another demo user without
 * oidc-provider's "different account, log out first" detour.
 */
const forgetSession = (req: http.IncomingMessage): void => {
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
};

const userinfoCors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization' };

/** Hugging Face answers userinfo for any token with `profile`, not only for `openid` tokens. */
const serveUserinfo = async (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  provider: Oidc.Provider,
  accounts: AccountDirectory,
  issuer: string,
): Promise<void> => {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { ...userinfoCors, 'access-control-allow-methods': 'GET, POST' });
    res.end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    sendJson(
      res,
      405,
      { error: 'invalid_request', error_description: 'Use GET or POST' },
      { allow: 'GET, POST', ...userinfoCors },
    );
    return;
  }
  req.resume();
  const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
  const token = match?.[1] ? await provider.AccessToken.find(match[1]) : undefined;
  const grant = token && !token.isExpired ? await provider.Grant.find(token.grantId) : undefined;
  const user =
    token && grant && grant.clientId === token.clientId && grant.accountId === token.accountId
      ? accounts.bySub(token.accountId)
      : undefined;
  if (!token || !user) {
    sendInvalidToken(res, userinfoCors);
    return;
  }
  sendJson(res, 200, userInfoClaims(issuer, user, token.scopes), userinfoCors);
};

/** Records the consent for the requested scopes, as if the user pressed "Authorize". */
const grantScopes = async (provider: Oidc.Provider, details: Oidc.InteractionLike, accountId: string): Promise<string> => {
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  if (typeof details.params.scope === 'string' && details.params.scope) {
    grant.addOIDCScope(details.params.scope);
  }
  return grant.save();
};

/** `GET /interaction/<uid>` shows the login page; `POST …/login` signs a user in; `POST …/abort` cancels. */
const serveInteraction = async (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  provider: Oidc.Provider,
  accounts: AccountDirectory,
  route: { uid: string; action: string | undefined },
): Promise<void> => {
  let details: Oidc.InteractionLike | undefined;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    details = undefined;
  }
  if (details?.uid !== route.uid) {
    req.resume();
    sendExpiredInteraction(res);
    return;
  }
  const expectedMethod = route.action === undefined ? 'GET' : 'POST';
  if (req.method !== expectedMethod) {
    req.resume();
    sendMethodNotAllowed(res, expectedMethod);
    return;
  }
  const params = details.params;
  const page = (error?: string) =>
    loginPage({
      uid: details.uid,
      clientId: typeof params.client_id === 'string' ? params.client_id : '',
      scope: typeof params.scope === 'string' ? params.scope : '',
      orgIds: typeof params.orgIds === 'string' ? params.orgIds : '',
      users: accounts.all,
      pictureOf: (user) => `/avatars/${encodeURIComponent(user.preferred_username)}.svg`,
      ...(error !== undefined && { error }),
    });

  if (route.action === undefined) {
    sendHtml(res, 200, page());
    return;
  }
  if (route.action === 'abort') {
    req.resume();
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user cancelled' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const username = (await readForm(req)).get('username');
  const user = accounts.byUsername(username);
  if (!user) {
    sendHtml(res, 400, page(`Unknown user "${username ?? ''}"`));
    return;
  }
  const grantId = await grantScopes(provider, details, user.sub);
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.sub }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
};

/**
 * Starts a Hugging Face stand-in on loopback and resolves once it accepts connections.
 *
 * Served paths: `/.well-known/openid-configuration`, `/oauth/authorize`, `/oauth/token`,
 * `/oauth/userinfo`, `/oauth/jwks`, the login page under `/interaction/` and avatars under
 * `/avatars/`. Every authorization shows the login page (there is no remembered session); consent
 * is granted automatically for the requested scopes.
 *
 * @throws TypeError when `host` is not a loopback address or `publicUrl` has a path.
 * @throws PortInUseError (from `./web.js`) when `port` is taken.
 */
export const startHfStandIn = async (options: StandInOptions): Promise<StandIn> => {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new TypeError(`The stand-in listens on loopback only, not on "${host}"`);
  }
  if (options.publicUrl !== undefined && new URL(options.publicUrl).pathname !== '/') {
    throw new TypeError('publicUrl must be an origin such as https://huggingface.co, without a path');
  }
  const oidc = await loadOidcProvider();
  const accounts = createAccountDirectory(options.users ?? demoUsers);
  const redirectRules = new Map(options.clients.map((client) => [client.clientId, redirectUriRule(client)]));

  const requestCounts: Record<string, number> = {};
  let lastAuthorizationParams: Record<string, string> | undefined;
  // Known once the server listens: the issuer may be the listening origin.
  let state: { settings: ProviderSettings; current: ProviderInstance } | undefined;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://stand-in.invalid');
    requestCounts[pathname] = (requestCounts[pathname] ?? 0) + 1;
    if (!state) {
      sendUnavailable(res);
      return;
    }
    const { settings } = state;
    const { provider, handle: oidcHandle } = state.current;

    if (pathname === '/oauth/authorize' && req.method === 'GET') {
      lastAuthorizationParams = Object.fromEntries(searchParams);
    }
    if (pathname === '/oauth/userinfo') {
      await serveUserinfo(req, res, provider, accounts, settings.issuer);
      return;
    }
    if (faviconPaths.has(pathname) && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
      res.end(faviconSvg);
      return;
    }
    const avatar = avatarPath.exec(pathname);
    if (avatar?.[1] && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
      res.end(avatarSvg(avatar[1]));
      return;
    }
    const interaction = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(pathname);
    if (interaction?.[1]) {
      await serveInteraction(req, res, provider, accounts, { uid: interaction[1], action: interaction[2] });
      return;
    }
    if (pathname === '/oauth/token' && options.beforeTokenRequest) {
      await options.beforeTokenRequest(res);
    }
    forgetSession(req);
    if (options.publicUrl !== undefined) {
      // Trusted by the provider (proxy = true): makes it build every URL from publicUrl.
      const publicOrigin = new URL(settings.issuer);
      req.headers['x-forwarded-host'] = publicOrigin.host;
      req.headers['x-forwarded-proto'] = publicOrigin.protocol.slice(0, -1);
    }
    oidcHandle(req, res);
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch(() => {
      sendServerError(res);
    });
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener)
    : http.createServer(listener);

  const localUrl = await listenOnLoopback(server, {
    port: options.port ?? 0,
    host,
    protocol: options.tls ? 'https' : 'http',
  });
  const issuer = (options.publicUrl ?? localUrl).replace(/\/+$/, '');
  const settings: ProviderSettings = {
    oidc,
    issuer,
    clients: options.clients,
    accounts,
    scopePolicy: createScopePolicy(options.clients),
    redirectUriAllowed: (clientId, uri) => redirectRules.get(clientId)?.(uri) ?? false,
    // One store for every provider instance (key rotation builds a new one), sized for load tests.
    store: createSharedStore(200_000),
    cookieKeys: [randomBytes(32).toString('base64url')],
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 28_800,
    refreshTokenReuse: options.refreshTokenReuse ?? 'revoke-grant',
    behindPublicUrl: options.publicUrl !== undefined,
  };
  try {
    state = { settings, current: buildProvider(settings, await createSigningKey()) };
  } catch (error) {
    server.close();
    throw error;
  }
  const running = state;

  let closing: Promise<void> | undefined;

  return {
    url: issuer,
    issuer,
    localUrl,
    requestCounts,
    resetCounts() {
      for (const key of Object.keys(requestCounts)) Reflect.deleteProperty(requestCounts, key);
    },
    get lastAuthorizationParams() {
      return lastAuthorizationParams;
    },
    async rotateSigningKey() {
      // oidc-provider's key store is fixed at construction: build a new provider with the new key.
      // Clients, cookie keys and the token store are shared, so sign-ins in flight and issued
      // tokens keep working.
      running.current = buildProvider(settings, await createSigningKey());
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
};
