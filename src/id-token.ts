/**
 * ID token verification against Hugging Face's published keys.
 *
 * Key sets are cached per hub (at most {@link jwksCacheLimit} hubs, the least recently used
 * dropped first) and shared by concurrent sign-ins. A cached set is fetched again once it is
 * older than {@link jwksMaxAgeMs} (10 minutes), so a withdrawn key stops being trusted, and for a
 * token naming a key the set lacks (key rotation) at most once per {@link jwksRefetchIntervalMs}.
 * The whole verification, fetches included, ends within one step's time. Module state holds
 * public keys only, never anything of one sign-in.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify, type JWTPayload } from 'jose';

import { type ResolvedConfig } from './config.js';
import {
  idTokenAlgorithms,
  idTokenClockToleranceSeconds,
  jwksCacheLimit,
  jwksMaxAgeMs,
  jwksRefetchIntervalMs,
} from './constants.js';
import { connectorError } from './errors.js';
import { stepTimeMs } from './http.js';
import { askHub, parseJsonObject, stepTimedOutError } from './hub.js';
import { openConnectionsAhead } from './hub-connections.js';

type KeySetResolver = ReturnType<typeof createLocalJWKSet>;

type CachedKeySet = {
  resolver: Promise<KeySetResolver>;
  fetchedAt: number;
};

/**
 * Key sets by JWKS URL, in order of last use (a `Map` keeps insertion order). One cache per
 * process: Logto creates the connector anew for each request, so a cache per connector would
 * never be reused. Entries are keyed by URL, so a hub of its own starts with no key set.
 */
const keySets = new Map<string, CachedKeySet>();

const fetchKeySet = async (config: ResolvedConfig, deadline: number): Promise<KeySetResolver> => {
  const url = config.endpoints.jwks;
  const response = await askHub(config, 'jwks', {
    method: 'GET',
    retries: 2,
    deadline,
    headers: { accept: 'application/json' },
  });
  const body = response.status === 200 ? parseJsonObject(response.body) : undefined;
  if (!body) {
    throw connectorError(
      ConnectorErrorCodes.InvalidResponse,
      `Hugging Face's key set at ${url.href} could not be read (status ${response.status}).`,
      { step: 'id_token', status: response.status }
    );
  }
  try {
    return createLocalJWKSet(body as unknown as JSONWebKeySet);
  } catch {
    throw connectorError(
      ConnectorErrorCodes.InvalidResponse,
      `Hugging Face's key set at ${url.href} is not a valid JWKS.`,
      { step: 'id_token' }
    );
  }
};

const remember = (key: string, entry: CachedKeySet) => {
  keySets.delete(key);
  keySets.set(key, entry);
  for (const oldest of keySets.keys()) {
    if (keySets.size <= jwksCacheLimit) {
      break;
    }
    keySets.delete(oldest);
  }
};

/**
 * Waits for a key set, but not past the step's deadline: a fetch started by another sign-in
 * may have been given more time than this one has left.
 */
const withinDeadline = async (
  resolver: Promise<KeySetResolver>,
  config: ResolvedConfig,
  deadline: number
): Promise<KeySetResolver> => {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(stepTimedOutError(config, 'jwks'));
    }, Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([resolver, expired]);
  } finally {
    clearTimeout(timer);
  }
};

const loadKeySet = (
  config: ResolvedConfig,
  reason: 'use' | 'unknown_kid',
  deadline: number
): Promise<KeySetResolver> => {
  const key = config.endpoints.jwks.href;
  const cached = keySets.get(key);
  const age = cached ? Date.now() - cached.fetchedAt : Number.POSITIVE_INFINITY;
  const fresh = reason === 'use' ? age < jwksMaxAgeMs : age < jwksRefetchIntervalMs;
  if (cached && fresh) {
    remember(key, cached);
    return withinDeadline(cached.resolver, config, deadline);
  }
  if (Date.now() >= deadline) {
    return Promise.reject(stepTimedOutError(config, 'jwks'));
  }
  const resolver = fetchKeySet(config, deadline);
  const entry: CachedKeySet = { resolver, fetchedAt: Date.now() };
  remember(key, entry);
  // A failed fetch must not stay cached: the next sign-in tries again.
  resolver.catch(() => {
    if (keySets.get(key) === entry) {
      keySets.delete(key);
    }
  });
  return withinDeadline(resolver, config, deadline);
};

/**
 * Before the token exchange of a sign-in that will verify an ID token: when the key set is not
 * cached or is due for a refetch, opens a second connection meanwhile, so the key set fetch can go beside the
 * userinfo request without a handshake of its own.
 */
export const prepareKeySetFetch = (config: ResolvedConfig): void => {
  const cached = keySets.get(config.endpoints.jwks.href);
  if (!cached || Date.now() - cached.fetchedAt >= jwksMaxAgeMs) {
    openConnectionsAhead(config.endpoints.jwks, 2);
  }
};

const invalid = (check: string) =>
  connectorError(ConnectorErrorCodes.SocialIdTokenInvalid, `The ID token from Hugging Face failed verification: ${check}.`, {
    step: 'id_token',
  });

const describeJoseError = (error: unknown, config: ResolvedConfig): Error => {
  if (error instanceof errors.JWTExpired) {
    return invalid('it has expired (exp)');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const expectations: Record<string, string> = {
      iss: `the issuer (iss) is not ${config.endpoints.issuer}`,
      aud: 'the audience (aud) does not contain the client ID',
      iat: 'the issued-at time (iat) is missing or in the future',
      exp: 'the expiry (exp) is missing',
      nbf: 'it is not valid yet (nbf)',
      sub: 'the subject (sub) is missing',
    };
    return invalid(expectations[error.claim] ?? `the ${error.claim} claim is invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return invalid(`its algorithm is not allowed (only ${idTokenAlgorithms.join(', ')})`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return invalid('its signature does not match Hugging Face\'s keys');
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return invalid('no single key in Hugging Face\'s key set matches its key id (kid)');
  }
  if (error instanceof errors.JOSEError) {
    return invalid('it is not a well-formed signed JWT');
  }
  // Failures of our own (the key set could not be fetched) keep their code; anything else the
  // verifier throws means the token could not be verified.
  return error instanceof ConnectorError ? error : invalid('it could not be verified');
};

/** What the ID token must match beside its signature. */
export type IdTokenExpectations = {
  /** The nonce saved with the sign-in; `undefined` when none was sent. */
  nonce?: string;
};

/**
 * Verifies an ID token: RS256 signature by a key of the hub's JWKS, `iss` equal to the hub's
 * origin, `aud` containing the client ID, `azp` equal to the client ID when present and required
 * when `aud` names several audiences (OpenID Connect Core 3.1.3.7), `exp` and `iat` within 60 s
 * of tolerance, and `nonce` equal to the saved one. Fetching the key set (once more for an
 * unknown `kid`) and verifying take at most one step's time: three times `requestTimeoutMs`.
 *
 * @returns The verified claims.
 * @throws ConnectorError `SocialIdTokenInvalid` naming the failed check; `General` or
 *   `InvalidResponse` when the key set cannot be fetched.
 */
export const verifyIdToken = async (
  idToken: string,
  config: ResolvedConfig,
  expectations: IdTokenExpectations
): Promise<JWTPayload> => {
  const options = {
    issuer: config.endpoints.issuer,
    audience: config.clientId,
    algorithms: [...idTokenAlgorithms],
    clockTolerance: idTokenClockToleranceSeconds,
    requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat'],
  };
  const deadline = Date.now() + stepTimeMs(config);
  const verify = async (reason: 'use' | 'unknown_kid') =>
    jwtVerify(idToken, await loadKeySet(config, reason, deadline), options);

  let payload: JWTPayload;
  try {
    try {
      ({ payload } = await verify('use'));
    } catch (error: unknown) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) {
        throw error;
      }
      ({ payload } = await verify('unknown_kid'));
    }
  } catch (error: unknown) {
    throw describeJoseError(error, config);
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.azp === undefined ? audiences.length > 1 : payload.azp !== config.clientId) {
    throw invalid(
      payload.azp === undefined
        ? 'its audience (aud) names several clients but it has no authorized party (azp)'
        : 'its authorized party (azp) is not the client ID'
    );
  }
  if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + idTokenClockToleranceSeconds) {
    throw invalid('the issued-at time (iat) is in the future');
  }
  if (expectations.nonce === undefined || payload.nonce === undefined) {
    throw invalid(expectations.nonce === undefined ? 'no nonce was saved for this sign-in' : 'it carries no nonce');
  }
  if (payload.nonce !== expectations.nonce) {
    throw invalid('its nonce does not match the sign-in');
  }
  return payload;
};
