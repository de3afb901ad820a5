/**
 * A Hugging Face stand-in for tests, the playground and benchmarks.
 *
 * It runs oidc-provider (a certified OpenID Connect implementation) on loopback, configured to
 * behave like Hugging Face's OAuth server: the same paths, scopes, claims, error answers and
 * quirks (plain OAuth userinfo, refresh tokens without `offline_access`, PKCE for every client).
 * The behaviour it copies is listed in CONTRIBUTING.md ("The Hugging Face stand-in").
 *
 * @example
 * ```ts
 * const hf = await startHfStandIn({ clients: [{ clientId: 'app', clientSecret: 'secret' }] });
 * // hf.url is the hub URL to give the connector, e.g. http://127.0.0.1:41234
 * await hf.close();
 * ```
 */
export {
  demoOrganizations,
  demoUsers,
  type DemoMembership,
  type DemoOrganization,
  type DemoUser,
  userNamed,
} from './accounts.js';
export { type StandInClient } from './clients.js';
export { type RefreshTokenReuse } from './oidc-provider.js';
export { hfScopes } from './scope-policy.js';
export { startHfStandIn, type StandIn, type StandInOptions } from './server.js';
export { PortInUseError } from './web.js';
