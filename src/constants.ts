/**
 * Fixed values of the Hugging Face OAuth server and of this connector's defaults.
 *
 * @see https://huggingface.co/docs/hub/oauth
 */

/** The factory id Logto registers this connector under; distinct from the official `huggingface-universal`. */
export const connectorId = 'huggingface-oidc-universal';

/** Logto links social identities by target; keeping the official connector's target keeps linked accounts. */
export const connectorTarget = 'huggingface';

/** The public Hugging Face hub, the default base of every endpoint. */
export const defaultHubUrl = 'https://huggingface.co';

/** Endpoint paths below the hub URL. */
export const endpointPaths = Object.freeze({
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  userInfo: '/oauth/userinfo',
  jwks: '/oauth/jwks',
});

/**
 * Every scope Hugging Face documents, in its documentation's order, then `read-mcp`, which Hugging
 * Face's own MCP server requests. A scope must also be enabled in the Hugging Face app's settings,
 * or the authorization request fails. A scope Hugging Face adds later is requested through the
 * config's `extraScopes`.
 *
 * @see https://huggingface.co/docs/hub/oauth#currently-supported-scopes
 * @see https://github.com/huggingface/hf-mcp-server
 */
export const knownScopes = Object.freeze([
  'openid',
  'profile',
  'email',
  'read-billing',
  'read-memberships',
  'read-repos',
  'gated-repos',
  'contribute-repos',
  'write-repos',
  'manage-repos',
  'read-collections',
  'write-collections',
  'inference-api',
  'read-endpoints',
  'write-endpoints',
  'jobs',
  'webhooks',
  'write-discussions',
  'read-mcp',
] as const);

/** A scope Hugging Face documents. */
export type KnownScope = (typeof knownScopes)[number];

/**
 * The shape of every Hugging Face scope: lower-case ASCII letters and digits in words joined by
 * single hyphens, starting with a letter (`openid`, `read-repos`, `inference-api`), at most 64
 * characters. An extra scope must have it.
 */
export const scopePattern = /^(?=.{1,64}$)[a-z][a-z\d]*(?:-[a-z\d]+)*$/;

/** A Hugging Face organization ID: 24 hexadecimal characters, the organization's `sub` in userinfo. */
export const organizationIdPattern = /^[\da-f]{24}$/i;

/**
 * What an organization name looks like on Hugging Face: ASCII letters, digits, `-`, `_` and `.`,
 * as in its URL (huggingface.co/<name>).
 */
export const organizationNamePattern = /^[\w.-]{1,96}$/;

/** The scopes requested when neither the request nor the config names any. */
export const defaultScopes: readonly KnownScope[] = Object.freeze(['profile']);

/** Default time limit of one HTTP attempt, in milliseconds. */
export const defaultRequestTimeoutMs = 5000;

/** Bounds an operator may set the per-attempt timeout to, in milliseconds. */
export const requestTimeoutBoundsMs = Object.freeze({ min: 500, max: 30_000 });

/** A step (token exchange, userinfo, JWKS) gives up after this many attempt timeouts, retries included. */
export const stepDeadlineInAttempts = 3;

/** How often a failed userinfo request is retried (network errors, 429 and 5xx). */
export const userInfoRetryLimit = 2;

/** First backoff before a retry, doubled on each further retry, in milliseconds. */
export const retryBaseDelayMs = 200;

/** Longest `Retry-After` the connector honours before retrying, in milliseconds. */
export const retryMaxDelayMs = 2000;

/** Largest response body the connector reads from Hugging Face, in bytes. */
export const maxResponseBytes = 1024 * 1024;

/** Clock skew accepted when checking an ID token's `exp` and `iat`, in seconds. */
export const idTokenClockToleranceSeconds = 60;

/** A key set is refetched for an unknown `kid` at most this often, in milliseconds. */
export const jwksRefetchIntervalMs = 60_000;

/**
 * A cached key set older than this is fetched again before it is used, so a key Hugging Face
 * withdraws stops being trusted within this time; jose's remote key set uses the same 10 minutes.
 */
export const jwksMaxAgeMs = 10 * 60_000;

/** At most this many hubs' key sets are cached; the least recently used one is dropped first. */
export const jwksCacheLimit = 16;

/**
 * How long a refresh's answer is handed to callers that present the same refresh token after it
 * arrived, in milliseconds. Logto reads the stored token set, then refreshes it, with no lock: a
 * read that loaded the set before the first refresh wrote the new one comes with the refresh token
 * that refresh rotated out. That gap is a database read and a decryption, far under a second
 * unless Logto is overloaded; 30 s covers it many times over and stays far below the lifetime of
 * Hugging Face's access tokens (8 hours by default).
 */
export const refreshAnswerReuseMs = 30_000;

/**
 * At most this many refreshes (in flight or recently answered) are remembered per process; the
 * oldest is forgotten first. A Logto whose users' tokens expire every 8 hours refreshes about
 * 4 per second for 100,000 active users, some 120 within {@link refreshAnswerReuseMs}.
 */
export const refreshMemoryLimit = 1000;

/** Hugging Face signs ID tokens with RS256 and nothing else is accepted. */
export const idTokenAlgorithms = Object.freeze(['RS256']);

/** Length of a provider's error text kept in an error message. */
export const maxProviderTextLength = 300;

/** Length of a piece of bad input (a scope, an organization, a callback error) quoted in a message. */
export const maxQuotedInputLength = 60;

/**
 * Shortest client secret the config accepts. Hugging Face issues client secrets as UUIDs (36
 * characters); 16 refuses a truncated paste or a placeholder without refusing any real secret.
 */
export const minClientSecretLength = 16;

/**
 * Longest `expires_in` accepted from the token endpoint, in seconds (one year). Hugging Face
 * issues 8 hours by default and up to 30 days when configured.
 */
export const maxExpiresInSeconds = 365 * 24 * 60 * 60;

/** Deepest nesting of the userinfo passed to Logto as `rawData`; Hugging Face's is 4 levels deep. */
export const maxRawDataDepth = 16;

