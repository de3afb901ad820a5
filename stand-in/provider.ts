/**
 * The oidc-provider instance configured as Hugging Face's OAuth server: its paths, scopes and
 * claims, PKCE for every client that does not opt out (`requirePkce: false`), a refresh token on every code exchange (there is no
 * `offline_access`), rotated on each use (a rotated-out token presented again revokes the grant,
 * or with `refreshTokenReuse: 'reject'` is only refused), and Hugging Face's lifetimes.
 */
import type * as Oidc from 'oidc-provider';
import type { JWK } from 'jose';

import type { AccountDirectory } from './accounts.js';
import { accountClaims } from './claims.js';
import type { StandInClient } from './clients.js';
import {
  adapterFor,
  type OidcModule,
  type RefreshTokenReuse,
  type SharedStore,
  useRedirectUriRule,
} from './oidc-provider.js';
import { oauthErrorPage } from './pages.js';
import { hfScopes, type ScopePolicy } from './scope-policy.js';

/** What a provider instance is built from; everything but the key is shared between instances. */
export type ProviderSettings = {
  /** The imported oidc-provider module. */
  oidc: OidcModule;
  /** The issuer, also the origin of every URL the provider builds. */
  issuer: string;
  /** The registered apps. */
  clients: readonly StandInClient[];
  /** Who can sign in. */
  accounts: AccountDirectory;
  /** Which scopes each app may request. */
  scopePolicy: ScopePolicy;
  /** Hugging Face's redirect URI rule per client ID. */
  redirectUriAllowed: (clientId: string, redirectUri: string) => boolean;
  /** The token store shared by every instance. */
  store: SharedStore;
  /** Keys that sign the interaction cookies, shared by every instance. */
  cookieKeys: string[];
  /** Access token lifetime in seconds. */
  accessTokenTtlSeconds: number;
  /** What a rotated-out refresh token presented again does. */
  refreshTokenReuse: RefreshTokenReuse;
  /** Whether to trust `X-Forwarded-*` (set by the server when it announces a public URL). */
  behindPublicUrl: boolean;
};

/** A configured provider and its request handler. */
export type ProviderInstance = {
  /** The oidc-provider instance. */
  provider: Oidc.Provider;
  /** Its Node.js request listener. */
  handle: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
};

/**
 * Rejects a scope Hugging Face would reject, on every authorization request.
 *
 * oidc-provider has no hook for scope validation, and would drop an unknown scope silently.
 * Validators of `extraParams` run on every authorization request, after the client and the
 * redirect_uri are validated, so throwing there produces oidc-provider's own error redirect with
 * `state`, as Hugging Face answers. The validator is registered on `orgIds`, Hugging Face's own
 * extra parameter, and checks the raw `scope` query: oidc-provider has already dropped
 * `offline_access` from `params.scope` by then.
 */
const scopeValidator =
  (oidc: OidcModule, policy: ScopePolicy) =>
  (ctx: Oidc.KoaContextLike): void => {
    const raw = ctx.query.scope;
    const requested = typeof raw === 'string' ? raw : (ctx.oidc.params.scope ?? '');
    const refusal = policy.refusal(ctx.oidc.client?.clientId ?? '', requested);
    if (refusal !== undefined) {
      throw new oidc.errors.InvalidScope(refusal);
    }
  };

/** Builds a provider instance that signs with `signingKey`. */
export const buildProvider = (settings: ProviderSettings, signingKey: JWK): ProviderInstance => {
  const { oidc, issuer, accounts } = settings;
  const provider = new oidc.Provider(issuer, {
    adapter: adapterFor(settings.store, 15, settings.refreshTokenReuse),
    clients: settings.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      // With no registered URI, any loopback URL is accepted (see useRedirectUriRule below).
      redirect_uris: client.redirectUris?.length ? client.redirectUris : ['http://127.0.0.1/'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [signingKey] },
    scopes: [...hfScopes],
    claims: {
      openid: ['sub', 'auth_time'], // Hugging Face's ID token carries auth_time
      profile: ['name', 'preferred_username', 'picture', 'profile', 'website'],
      email: ['email', 'email_verified'],
    },
    // Hugging Face puts the profile claims into the ID token even though an access token is issued.
    conformIdTokenClaims: false,
    extraParams: { orgIds: scopeValidator(oidc, settings.scopePolicy) },
    pkce: {
      required: (_ctx: unknown, client: { clientId: string }) =>
        settings.clients.find(({ clientId }) => clientId === client.clientId)?.requirePkce !== false,
    },
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
      // Announced in discovery; the server answers /oauth/userinfo itself.
      userinfo: { enabled: true },
    },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    findAccount(_ctx: unknown, sub: string) {
      const user = accounts.bySub(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: (use: string) => accountClaims(issuer, user, use) };
    },
    // Hugging Face has no offline_access: every code exchange gets a refresh token, rotated on each use.
    issueRefreshToken: (_ctx: unknown, client: Oidc.ClientLike) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: () => false,
    clientBasedCORS: () => true,
    cookies: { keys: settings.cookieKeys },
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 30 * 24 * 3600,
      Grant: 30 * 24 * 3600,
      Interaction: 3600,
      Session: 600,
    },
    renderError(ctx: Oidc.KoaContextLike, out: Record<string, string | undefined>) {
      ctx.type = 'html';
      ctx.body = oauthErrorPage(out.error ?? 'error', out.error_description ?? '');
    },
  });
  provider.silent = true;
  provider.proxy = settings.behindPublicUrl;
  useRedirectUriRule(provider, settings.redirectUriAllowed);
  return { provider, handle: provider.callback() };
};
