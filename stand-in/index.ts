/**
 * A Hugging Face stand-in for tests, the playground and benchmarks: the one entry point to it,
 * with what makes it pass for `https://huggingface.co` (a throwaway CA and certificate, a
 * name-resolution preload) and a user at its login page without a browser. Logto's side of a
 * sign-in (its connector session) is `stand-in/logto/index.ts`.
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
import { fileURLToPath } from 'node:url';

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
export { CookieJar, driveSignIn, type SignInChoice } from './sign-in-driver.js';
export { type CertificateFiles, createCertificates } from './tls.js';
export { escapeHtml, isLoopbackHost, listenOnLoopback, loopbackUrlWithoutPort, PortInUseError } from './web.js';

/**
 * Absolute path of the preload (`node --import <it>`) that sends a process's connections for
 * `huggingface.co:443` to the stand-in: to `BENCH_HF_ADDRESS` (default 127.0.0.1), port
 * `BENCH_HF_PORT` (default 443). TLS still checks `huggingface.co`, so pair it with
 * `NODE_EXTRA_CA_CERTS` naming the CA of {@link createCertificates}.
 */
export const hubResolverPreload = fileURLToPath(new URL('resolve-hub.mjs', import.meta.url));
