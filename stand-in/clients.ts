/**
 * The OAuth apps registered at the stand-in, and Hugging Face's rule for their redirect URIs.
 */
import { loopbackUrlWithoutPort } from './web.js';

/** An OAuth app registered at the stand-in, like an app in Hugging Face's settings. */
export type StandInClient = {
  /** The app's client ID. */
  clientId: string;
  /** Sent with `client_secret_basic` (HTTP Basic) at the token endpoint. */
  clientSecret: string;
  /** Scopes enabled in the app's settings; default every scope in `hfScopes`. */
  allowedScopes?: string[];
  /**
   * Registered redirect URIs, matched exactly except that any port is accepted for `http`
   * loopback hosts (Hugging Face's rule). Default: any `http://127.0.0.1`, `http://localhost` or
   * `http://[::1]` URL is accepted.
   */
  redirectUris?: string[];
  /**
   * Whether the app must send PKCE. Hugging Face requires it from public apps and lets a
   * confidential app (one with a client secret, like the official Logto connector, which sends
   * none) omit it. Default `true`, the stricter rule, so a connector that forgets PKCE fails.
   */
  requirePkce?: boolean;
};

/**
 * Hugging Face's redirect URI rule for one app: a registered URI matches exactly, and for `http`
 * loopback hosts any port is accepted. With no registered URI, any `http` loopback URL is accepted.
 *
 * @returns A predicate over the `redirect_uri` of an authorization request.
 */
export const redirectUriRule = (client: StandInClient): ((value: string) => boolean) => {
  const registered = client.redirectUris;
  if (!registered?.length) {
    return (value) => loopbackUrlWithoutPort(value) !== undefined;
  }
  return (value) => {
    if (registered.includes(value)) {
      return true;
    }
    const withoutPort = loopbackUrlWithoutPort(value);
    return withoutPort !== undefined && registered.some((uri) => loopbackUrlWithoutPort(uri) === withoutPort);
  };
};
