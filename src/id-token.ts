/**
 * ID token verification against Hugging Face's published keys.
 *
 * The key set is fetched once per process and hub, shared by concurrent sign-ins, and refetched
 * only when a token names a key the cached set lacks (key rotation), at most once per minute.
 * Module state holds public keys only, never anything of one sign-in.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify, type JWTPayload } from 'jose';

import { type ResolvedConfig } from './config.js';
import {
  idTokenAlgorithms,
  idTokenClockToleranceSeconds,
  jwksRefetchIntervalMs,
} from './constants.js';
import { connectorError } from './errors.js';
import { openConnectionsAhead } from './hub-connections.js';
import { parseJsonObject, requestHuggingFace } from './response.js';

type KeySetResolver = ReturnType<typeof createLocalJWKSet>;

type CachedKeySet = {
  resolver: Promise<KeySetResolver>;
  fetchedAt: number;
};

const keySets = new Map<string, CachedKeySet>();

/** How many times a key set was fetched over the network, per JWKS URL; for monitoring and tests. */
export const keySetFetchCounts = new Map<string, number>();

/** Drops every cached key set, so the next verification fetches again. */
export const forgetKeySets = (): void => {
  keySets.clear();
};

const fetchKeySet = async (config: ResolvedConfig): Promise<KeySetResolver> => {
  const url = config.endpoints.jwks;
  keySetFetchCounts.set(url.href, (keySetFetchCounts.get(url.href) ?? 0) + 1);
  const response = await requestHuggingFace(
    { method: 'GET', url, timeoutMs: config.timeoutMs, retries: 2, headers: { accept: 'application/json' } },
    'id_token',
    'key set (JWKS)'
  );
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

const loadKeySet = (config: ResolvedConfig, refresh: boolean): Promise<KeySetResolver> => {
  const key = config.endpoints.jwks.href;
  const cached = keySets.get(key);
  if (cached && !refresh) {
    return cached.resolver;
  }
  if (cached && Date.now() - cached.fetchedAt < jwksRefetchIntervalMs) {
    return cached.resolver;
  }
  const resolver = fetchKeySet(config);
  const entry: CachedKeySet = { resolver, fetchedAt: Date.now() };
  keySets.set(key, entry);
  // A failed fetch must not stay cached: the next sign-in tries again.
  resolver.catch(() => {
    if (keySets.get(key) === entry) {
      keySets.delete(key);
    }
  });
  return resolver;
};

/**
 * Before the token exchange of a sign-in that will verify an ID token: when the key set is not
 * cached yet, opens a second connection meanwhile, so the key set fetch can go beside the
 * userinfo request without a handshake of its own.
 */
export const prepareKeySetFetch = (config: ResolvedConfig): void => {
  if (!keySets.has(config.endpoints.jwks.href)) {
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
 * origin, `aud` containing the client ID, `exp` and `iat` within 60 s of tolerance, and `nonce`
 * equal to the saved one.
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
  const verify = async (refresh: boolean) =>
    jwtVerify(idToken, await loadKeySet(config, refresh), options);

  let payload: JWTPayload;
  try {
    try {
      ({ payload } = await verify(false));
    } catch (error: unknown) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) {
        throw error;
      }
      ({ payload } = await verify(true));
    }
  } catch (error: unknown) {
    throw describeJoseError(error, config);
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
