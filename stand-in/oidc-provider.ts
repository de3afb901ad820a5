/**
 * Every use of oidc-provider beyond its documented configuration lives here.
 *
 * oidc-provider 9 has no `exports` map, so its files can be imported, but only the package entry
 * is its public API. Two internals are used, both covered by the stand-in's tests, so an upgrade
 * that changes them fails there first:
 * - `lib/adapters/memory_adapter.js` takes its key-value store as a second constructor argument;
 *   the stand-in gives every provider instance (one per signing key) the same store, so tokens
 *   survive key rotation.
 * - `lib/helpers/lru.js` is that store; the stand-in sizes it for load tests (the default keeps
 *   about 1,000 entries).
 * One documented-but-global hook is overridden per provider instance: `Client.prototype
 * .redirectUriAllowed`, because Hugging Face's redirect URI rule differs from oidc-provider's.
 * The adapter (a documented extension point) can hide refresh tokens a rotation consumed, the one
 * way to keep oidc-provider from revoking a grant when such a token comes back.
 * The types of what is used are declared in `oidc-provider-types.d.ts` beside this file.
 */
import type * as Oidc from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

/** oidc-provider's module namespace. */
export type OidcModule = typeof Oidc;

let oidcModule: Promise<OidcModule> | undefined;

/**
 * Imports oidc-provider once. Its entry module warns on Node.js 20 ("Unsupported runtime") at
 * import time; that single notice is dropped so the stand-in stays quiet. It works on Node 20.
 */
export const loadOidcProvider = (): Promise<OidcModule> => {
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
};

/** A token and session store to share between provider instances. */
export type SharedStore = LRU;

/** A store holding up to `maxSize` entries (codes, tokens, grants, interactions, sessions). */
export const createSharedStore = (maxSize: number): SharedStore => new LRU({ maxSize });

/**
 * What the token endpoint does with a refresh token that an earlier refresh rotated out.
 * - `revoke-grant`: oidc-provider's own answer, reuse detection as RFC 9700 (section 4.14.2)
 *   recommends: `invalid_grant`, and every token of the grant is revoked (the newest refresh
 *   token and the access tokens too), so the user must sign in again.
 * - `reject`: `invalid_grant` for that token only; the grant and its newest tokens keep working.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
export type RefreshTokenReuse = 'revoke-grant' | 'reject';

/**
 * Finds no refresh token that a rotation consumed. oidc-provider revokes the grant when it finds
 * a consumed one (`lib/actions/grants/refresh_token.js`); a token it cannot find is refused with
 * `invalid_grant` ("refresh token not found") and nothing else happens.
 */
class UnconsumedRefreshTokens extends MemoryAdapter {
  override async find(id: string): Promise<Record<string, unknown> | undefined> {
    const payload = await super.find(id);
    return payload?.consumed === undefined ? payload : undefined;
  }
}

/**
 * The `adapter` configuration value that keeps every model in `store`.
 *
 * @param clockToleranceSeconds - How long past its expiry an entry is still found.
 * @param refreshTokenReuse - What a rotated-out refresh token presented again does; default
 *   oidc-provider's own `revoke-grant`.
 */
export const adapterFor =
  (store: SharedStore, clockToleranceSeconds: number, refreshTokenReuse: RefreshTokenReuse = 'revoke-grant') =>
  (model: string): MemoryAdapter =>
    model === 'RefreshToken' && refreshTokenReuse === 'reject'
      ? new UnconsumedRefreshTokens(model, store, clockToleranceSeconds)
      : new MemoryAdapter(model, store, clockToleranceSeconds);

/**
 * Makes `provider` (and no other instance) decide redirect URIs with `isAllowed(clientId, uri)`.
 * oidc-provider matches them exactly, or ignores the loopback port for native apps only.
 */
export const useRedirectUriRule = (
  provider: Oidc.Provider,
  isAllowed: (clientId: string, redirectUri: string) => boolean,
): void => {
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(this: Oidc.ClientLike, value: string) {
    return isAllowed(this.clientId, value);
  };
};
