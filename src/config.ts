/**
 * The connector's configuration: the guard Logto's console validates with, and the parsing each
 * call runs before it uses the config.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import { z } from 'zod';

import {
  defaultHubUrl,
  defaultRequestTimeoutMs,
  endpointPaths,
  requestTimeoutBoundsMs,
} from './constants.js';
import { connectorError } from './errors.js';
import { parseScopes } from './scopes.js';

/** Treats `null` and blank strings (what an emptied console field holds) as absent. */
const blankAsAbsent = (value: unknown) =>
  value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value;

const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess(blankAsAbsent, schema.optional());

const requiredText = (label: string) =>
  z
    .string({ required_error: `${label} is required.`, invalid_type_error: `${label} must be text.` })
    .trim()
    .min(1, `${label} is required.`);

const listSeparator = /[\s,]+/;

const scopeGuard = z.string().transform((value, context) => {
  const result = parseScopes(value);
  if ('problem' in result) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: result.problem });
    return z.NEVER;
  }
  return result.scopes.join(' ');
});

const organizationIdPattern = /^[\da-f]{24}$/i;

const orgIdsGuard = z.string().transform((value, context) => {
  const ids = value.split(listSeparator).filter(Boolean);
  const bad = ids.find((id) => !organizationIdPattern.test(id));
  if (bad !== undefined) {
    context.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${bad}" is not a Hugging Face organization id: use the organization's 24-character id (its "sub" in userinfo), not its name.`,
    });
    return z.NEVER;
  }
  return [...new Set(ids.map((id) => id.toLowerCase()))];
});

const organizationPattern = /^[\w.-]{1,96}$/;

const authorizedOrgsGuard = z
  .union([z.string(), z.array(z.string())], {
    invalid_type_error: 'authorizedOrgs must be text or a list of organization names or ids.',
  })
  .transform((value, context) => {
    const entries = (Array.isArray(value) ? value : [value])
      .flatMap((entry) => entry.split(listSeparator))
      .filter(Boolean);
    const bad = entries.find((entry) => !organizationPattern.test(entry));
    if (bad !== undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        message: `"${bad.slice(0, 100)}" is not a Hugging Face organization name or id.`,
      });
      return z.NEVER;
    }
    const unique = new Map(entries.map((entry) => [entry.toLowerCase(), entry]));
    return [...unique.values()];
  });

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

const isLoopbackHost = (hostname: string) =>
  loopbackHosts.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);

const hubUrlGuard = z.string().transform((value, context) => {
  const problem = (message: string) => {
    context.addIssue({ code: z.ZodIssueCode.custom, message });
    return z.NEVER;
  };
  if (!URL.canParse(value.trim())) {
    return problem(`hubUrl "${value.slice(0, 200)}" is not an absolute URL, e.g. ${defaultHubUrl}.`);
  }
  const url = new URL(value.trim());
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return problem('hubUrl must use https (plain http is allowed only for a loopback host).');
  }
  if (url.username || url.password || url.search || url.hash) {
    return problem('hubUrl must not contain credentials, a query or a fragment.');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
});

// Only text is converted: coercing any value would let an object such as
// {"toString":1,"valueOf":1} throw out of safeParse instead of failing validation.
const requestTimeoutGuard = z.preprocess(
  (value) => (typeof value === 'string' ? Number(value) : value),
  z
    .number({ invalid_type_error: 'requestTimeoutMs must be a number of milliseconds.' })
    .int('requestTimeoutMs must be a whole number of milliseconds.')
    .min(requestTimeoutBoundsMs.min, `requestTimeoutMs must be at least ${requestTimeoutBoundsMs.min}.`)
    .max(requestTimeoutBoundsMs.max, `requestTimeoutMs must be at most ${requestTimeoutBoundsMs.max}.`)
);

/**
 * The connector's configuration guard, as Logto's console and every connector call apply it.
 *
 * Input keys: `clientId`, `clientSecret` (required); `scope` (space-separated Hugging Face
 * scopes, default `profile`), `orgIds`, `authorizedOrgs`, `hubUrl` (default
 * `https://huggingface.co`), `requestTimeoutMs` (default 5000). The parsed value has lists in
 * place of the texts and the defaults filled in.
 */
export const huggingFaceConfigGuard = z
  .object({
    clientId: requiredText('clientId'),
    clientSecret: requiredText('clientSecret'),
    scope: optional(scopeGuard),
    orgIds: optional(orgIdsGuard),
    authorizedOrgs: optional(authorizedOrgsGuard),
    hubUrl: optional(hubUrlGuard),
    requestTimeoutMs: optional(requestTimeoutGuard),
  })
  .superRefine((config, context) => {
    // zod still runs this after a field transform failed, passing its abort marker, not a string.
    const scopes = typeof config.scope === 'string' ? config.scope.split(' ') : ['profile'];
    if (config.authorizedOrgs?.length && !scopes.includes('profile')) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['authorizedOrgs'],
        message:
          'authorizedOrgs needs the "profile" scope, which returns the user\'s organizations: add it to scope.',
      });
    }
  });

/** The configuration as the admin enters it. */
export type HuggingFaceConfigInput = z.input<typeof huggingFaceConfigGuard>;

/** The configuration after parsing: scope normalised, lists split. */
export type HuggingFaceConfig = z.output<typeof huggingFaceConfigGuard>;

/** Absolute URLs of the Hugging Face endpoints derived from `hubUrl`. */
export type HuggingFaceEndpoints = {
  /** Expected `iss` of ID tokens: the hub's origin. */
  issuer: string;
  authorization: URL;
  token: URL;
  userInfo: URL;
  jwks: URL;
};

/** A parsed configuration with everything a call needs. */
export type ResolvedConfig = HuggingFaceConfig & {
  endpoints: HuggingFaceEndpoints;
  timeoutMs: number;
};

/**
 * Validates a stored configuration and derives endpoints and defaults.
 *
 * @param raw - What Logto's `getConfig` returned.
 * @throws ConnectorError `InvalidConfig` listing every problem by key; never echoes the secret.
 */
export const resolveConfig = (raw: unknown): ResolvedConfig => {
  const result = huggingFaceConfigGuard.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message
    );
    throw connectorError(
      ConnectorErrorCodes.InvalidConfig,
      `The Hugging Face connector's config is invalid. ${problems.join(' ')}`,
      { step: 'config' }
    );
  }
  const hubUrl = result.data.hubUrl ?? defaultHubUrl;
  const endpoint = (path: string) => new URL(`${hubUrl}${path}`);
  return {
    ...result.data,
    endpoints: {
      issuer: new URL(hubUrl).origin,
      authorization: endpoint(endpointPaths.authorization),
      token: endpoint(endpointPaths.token),
      userInfo: endpoint(endpointPaths.userInfo),
      jwks: endpoint(endpointPaths.jwks),
    },
    timeoutMs: result.data.requestTimeoutMs ?? defaultRequestTimeoutMs,
  };
};
