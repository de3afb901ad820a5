/**
 * Refreshing a stored token once, however many ask.
 *
 * Logto refreshes a stored token set when an Account API read finds it expired, and nothing
 * serialises two reads: every read between the expiry and the write of the new set calls
 * `getAccessTokenByRefreshToken` with the same refresh token. Hugging Face rotates refresh tokens
 * on use, so each request after the first would present a dead token, and a provider that detects
 * reuse would revoke the whole grant (RFC 9700, section 4.14.2).
 *
 * Within one process, callers that present the same refresh token for the same client (token
 * endpoint, client ID, client secret) share one token request:
 * - while it is in flight, each of them gets its answer, or its error;
 * - after a successful answer, a caller still holding the rotated-out refresh token gets the same
 *   answer, with `expires_in` less the whole seconds since it arrived, for
 *   {@link refreshAnswerReuseMs} (30 s) and never once less than a second of the access token's
 *   lifetime is left (a stored set whose refresh token was rotated again after that would
 *   otherwise be overwritten by an older one);
 * - a failure is not remembered: the next caller sends a request of its own, since a timeout or
 *   an outage may have left the refresh token unused, and a refused token is refused again.
 *
 * Entries are keyed by a SHA-256 digest of the client and the refresh token, never by the token,
 * and hold the answer only while it may be handed out: an unreferenced timer forgets it then, so
 * nothing here holds the process. At most {@link refreshMemoryLimit} are kept, the oldest
 * forgotten first. Other Logto processes are out of reach.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
import { createHash } from 'node:crypto';

import { type TokenResponse } from '@logto/connector-kit';

import { type ResolvedConfig } from './config.js';
import { refreshAnswerReuseMs, refreshMemoryLimit } from './constants.js';
import { withConnectorErrors } from './errors.js';
import { processTokenResponse, tokenRequest, toStoredTokenResponse } from './token.js';

type Answer = { tokens: TokenResponse; receivedAt: number };

type Refresh = {
  answer: Promise<Answer>;
  /** Until when (epoch milliseconds) callers are handed this refresh; no end while in flight. */
  handOutUntil: number;
};

/** Refreshes by key, oldest first (a `Map` keeps insertion order). One per process. */
const refreshes = new Map<string, Refresh>();

const keyOf = (config: ResolvedConfig, refreshToken: string) =>
  createHash('sha256')
    .update(
      JSON.stringify([config.endpoints.token.href, config.clientId, config.clientSecret, refreshToken])
    )
    .digest('base64url');

/** How long after its arrival an answer may be handed out. */
const handOutMsOf = ({ expires_in: expiresIn }: TokenResponse) =>
  typeof expiresIn === 'number'
    ? Math.min(refreshAnswerReuseMs, (expiresIn - 1) * 1000)
    : refreshAnswerReuseMs;

const forgetStale = (now: number) => {
  for (const [key, refresh] of refreshes) {
    if (refresh.handOutUntil <= now) {
      refreshes.delete(key);
    }
  }
};

const forgetOldestBeyondLimit = () => {
  for (const key of refreshes.keys()) {
    if (refreshes.size <= refreshMemoryLimit) {
      return;
    }
    refreshes.delete(key);
  }
};

/**
 * The token request, with a redactor of its own: its error reaches every caller that waits for
 * it, already redacted.
 */
const requestRefresh = async (config: ResolvedConfig, refreshToken: string): Promise<TokenResponse> =>
  withConnectorErrors(async (redactor) => {
    const grant = { grantType: 'refresh_token', refreshToken } as const;
    const tokens = processTokenResponse(await tokenRequest(config, grant, redactor), grant, redactor);
    return toStoredTokenResponse(tokens, grant.grantType);
  });

const answerOf = async (request: Promise<TokenResponse>): Promise<Answer> => {
  const tokens = await request;
  return { tokens, receivedAt: Date.now() };
};

const handOut = async (refresh: Refresh): Promise<TokenResponse> => {
  const { tokens, receivedAt } = await refresh.answer;
  if (typeof tokens.expires_in !== 'number') {
    return { ...tokens };
  }
  const secondsSince = Math.floor((Date.now() - receivedAt) / 1000);
  return { ...tokens, expires_in: tokens.expires_in - secondsSince };
};

/**
 * Refreshes an access token with Hugging Face, or hands over the answer of the refresh of the
 * same token for the same client that is in flight or has just been answered (see the module's
 * description).
 *
 * @param config - The resolved config.
 * @param refreshToken - The refresh token Logto stored.
 * @param request - Sends the refresh when no other caller's can be shared: by default the token
 *   request, whose error is redacted before any caller sees it.
 * @returns The token response as Logto's secret vault keeps it (see {@link toStoredTokenResponse}).
 * @throws ConnectorError see {@link processTokenResponse}; every caller waiting for the same request
 *   gets its error.
 */
export const refreshOnce = async (
  config: ResolvedConfig,
  refreshToken: string,
  request: () => Promise<TokenResponse> = async () => requestRefresh(config, refreshToken)
): Promise<TokenResponse> => {
  const key = keyOf(config, refreshToken);
  forgetStale(Date.now());
  const known = refreshes.get(key);
  if (known) {
    return handOut(known);
  }
  const refresh: Refresh = {
    answer: answerOf(request()),
    handOutUntil: Number.POSITIVE_INFINITY,
  };
  refreshes.set(key, refresh);
  forgetOldestBeyondLimit();
  void refresh.answer.then(
    ({ tokens, receivedAt }) => {
      refresh.handOutUntil = receivedAt + handOutMsOf(tokens);
      // Forgotten at its time even when no other refresh comes; the timer does not hold the process.
      setTimeout(() => {
        if (refreshes.get(key) === refresh) {
          refreshes.delete(key);
        }
      }, Math.max(0, refresh.handOutUntil - Date.now())).unref();
    },
    () => {
      if (refreshes.get(key) === refresh) {
        refreshes.delete(key);
      }
    }
  );
  return handOut(refresh);
};
