/** oidc-provider's private per-instance store, which holds a provider's configuration. */
declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  /** Returns the instance data oidc-provider keeps for a provider. */
  export default function instance(provider: object): unknown;
}
