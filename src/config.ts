/**
 * The connector's configuration: the guard Logto's console validates with, and the parsing each
 * call runs before it uses the config.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import { z } from 'zod';

import {
  defaultHubUrl,
  defaultRequestTimeoutMs,
  defaultScopes,
  endpointPaths,
  minClientSecretLength,
  organizationIdPattern,
  organizationNamePattern,
  requestTimeoutBoundsMs,
} from './constants.js';
import { connectorError } from './errors.js';
import { quoteInput } from './quote.js';
import {
  hasScope,
  parseExtraScopes,
  type ScopeParseResult,
  splitScopes,
  unknownScopeProblem,
} from './scopes.js';

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

// The length rule reads only a secret that was entered: a blank one is reported as missing, once.
const clientSecretGuard = requiredText('clientSecret').pipe(
  z
    .string()
    .min(
      minClientSecretLength,
      `clientSecret is shorter than ${minClientSecretLength} characters; Hugging Face's client secrets are 36. Copy the whole secret from the Hugging Face app's settings.`
    )
);

/** Splits a list an admin typed: entries on commas or line breaks, spaces around them dropped. */
const splitList = (values: readonly string[]) =>
  values.flatMap((value) => value.split(/[,\r\n]/)).map((entry) => entry.trim());

/** A scope text read into a list by `read`, or the problem it names. */
const scopeTextGuard = (read: (value: string) => ScopeParseResult, schema: z.ZodString) =>
  schema.transform((value, context) => {
    const result = read(value);
    if ('problem' in result) {
      context.addIssue({ code: z.ZodIssueCode.custom, message: result.problem });
      return z.NEVER;
    }
    return result.scopes;
  });

// Whether each scope may be requested is checked with the whole config, which holds extraScopes.
const scopeGuard = scopeTextGuard(
  splitScopes,
  z.string({ invalid_type_error: 'scope must be text: scopes separated by spaces.' })
);

const extraScopesGuard = scopeTextGuard(
  parseExtraScopes,
  z.string({ invalid_type_error: 'extraScopes must be text: scopes separated by spaces.' })
);

const orgIdsGuard = z
  .string({ invalid_type_error: 'orgIds must be text: organization IDs separated by commas or spaces.' })
  .transform((value, context) => {
    // IDs never hold a space, so white space separates them as well as commas do.
    const ids = value.split(/[\s,]+/).filter(Boolean);
    const bad = ids.find((id) => !organizationIdPattern.test(id));
    if (bad !== undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        message: `${quoteInput(bad)} is not a Hugging Face organization ID: use the organization's 24-character ID (its "sub" in userinfo), not its name.`,
      });
      return z.NEVER;
    }
    return [...new Set(ids.map((id) => id.toLowerCase()))];
  });

const authorizedOrgsGuard = z
  // A union reports a value of neither type as "Invalid input" unless it has its own error map.
  .union([z.string(), z.array(z.string())], {
    errorMap: () => ({ message: 'authorizedOrgs must be text or a list of organization names or IDs.' }),
  })
  .transform((value, context) => {
    const problem = (message: string) => {
      context.addIssue({ code: z.ZodIssueCode.custom, message });
      return z.NEVER;
    };
    const listed = Array.isArray(value) ? value : [value];
    const entries = splitList(listed).filter(Boolean);
    if (entries.length === 0) {
      // An empty list would switch the rule off and let everyone in; an empty field does that.
      return listed.length === 0
        ? []
        : problem(
            'authorizedOrgs lists no organization. Enter organization names or IDs separated by commas or line breaks, or empty the field to let everyone sign in.'
          );
    }
    const bad = entries.find((entry) => !organizationNamePattern.test(entry));
    if (bad !== undefined) {
      return problem(
        /\s/.test(bad)
          ? `${quoteInput(bad)} is not a Hugging Face organization name: names have no spaces. Use the name in the organization's URL (huggingface.co/<name>), and separate entries with commas or line breaks.`
          : `${quoteInput(bad)} is not a Hugging Face organization name or ID.`
      );
    }
    const unique = new Map(entries.map((entry) => [entry.toLowerCase(), entry]));
    return [...unique.values()];
  });

/** Loopback host names as `URL.hostname` gives them; the IPv4 loopback range is matched apart. */
const loopbackHosts = new Set(['localhost', '[::1]']);

const isLoopbackHost = (hostname: string) =>
  loopbackHosts.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);

/**
 * Whether a URL may carry secrets: https, or plain http to a loopback host (`localhost`,
 * `127.0.0.0/8`, `[::1]`), whose traffic never leaves the machine. `hubUrl` and every URL the
 * `migrate` command sends credentials or tokens to follow this rule.
 *
 * @param url - A parsed URL.
 */
export const usesHttpsOrLoopback = (url: URL): boolean =>
  url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));

const hubUrlGuard = z
  .string({ invalid_type_error: `hubUrl must be text: an absolute URL, e.g. ${defaultHubUrl}.` })
  .transform((value, context) => {
    const problem = (message: string) => {
      context.addIssue({ code: z.ZodIssueCode.custom, message });
      return z.NEVER;
    };
    if (!URL.canParse(value.trim())) {
      return problem(`hubUrl ${quoteInput(value)} is not an absolute URL, e.g. ${defaultHubUrl}.`);
    }
    const url = new URL(value.trim());
    if (!usesHttpsOrLoopback(url)) {
      return problem('hubUrl must use https (plain http is allowed only for a loopback host).');
    }
    if (url.username || url.password || url.search || url.hash) {
      return problem('hubUrl must not contain credentials, a query or a fragment.');
    }
    return `${url.origin}${withoutTrailingSlashes(url.pathname)}`;
  });

/** Drops the slashes a path ends with, in one pass (a regex would be quadratic on many slashes). */
const withoutTrailingSlashes = (path: string) => {
  let end = path.length;
  // path[-1] is undefined, which ends the loop at the start of the path.
  while (path[end - 1] === '/') {
    end--;
  }
  return path.slice(0, end);
};

// Only text is converted: coercing any value would let an object such as
// {"toString":1,"valueOf":1} throw out of safeParse instead of failing validation.
const requestTimeoutGuard = z.preprocess(
  (value) => (typeof value === 'string' ? Number(value) : value),
  z
    .number({ invalid_type_error: 'requestTimeoutMs must be a number of milliseconds.' })
    .min(requestTimeoutBoundsMs.min, `requestTimeoutMs must be at least ${requestTimeoutBoundsMs.min}.`)
    .max(requestTimeoutBoundsMs.max, `requestTimeoutMs must be at most ${requestTimeoutBoundsMs.max}.`)
    // Only a value in range is read for a fraction, so 0.5 or Infinity gets one problem, not two.
    .pipe(z.number().int('requestTimeoutMs must be a whole number of milliseconds.'))
);

/**
 * The connector's configuration guard, as Logto's console and every connector call apply it.
 *
 * Input keys: `clientId`, `clientSecret` (required); `scope` (space-separated Hugging Face
 * scopes, default `profile`), `extraScopes` (space-separated scopes outside the known list that
 * `scope` and a per-request scope may name), `orgIds`, `authorizedOrgs`, `hubUrl` (default
 * `https://huggingface.co`), `requestTimeoutMs` (default 5000). The parsed value has lists in
 * place of the texts (`scope` and `extraScopes` lists of scopes, `orgIds` and `authorizedOrgs`
 * lists of entries).
 */
export const huggingFaceConfigGuard = z
  .object({
    clientId: requiredText('clientId'),
    clientSecret: clientSecretGuard,
    scope: optional(scopeGuard),
    extraScopes: optional(extraScopesGuard),
    orgIds: optional(orgIdsGuard),
    authorizedOrgs: optional(authorizedOrgsGuard),
    hubUrl: optional(hubUrlGuard),
    requestTimeoutMs: optional(requestTimeoutGuard),
  })
  .superRefine((config, context) => {
    // zod still runs this after a field transform failed, passing its abort marker, not a list.
    const scopes = Array.isArray(config.scope) ? config.scope : defaultScopes;
    const extraScopes = config.extraScopes ?? [];
    // With extraScopes unreadable, its own problem is the one to report.
    const unknownScope = Array.isArray(extraScopes) ? unknownScopeProblem(scopes, extraScopes) : undefined;
    if (unknownScope !== undefined) {
      context.addIssue({ code: z.ZodIssueCode.custom, path: ['scope'], message: unknownScope });
    }
    if (config.authorizedOrgs?.length && !hasScope(scopes, 'profile')) {
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

/** The configuration after parsing: scopes, organization IDs and names as lists. */
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
  /** The hub URL in effect: the configured one, normalised, or the default. */
  hubUrl: string;
  endpoints: HuggingFaceEndpoints;
  timeoutMs: number;
};

/**
 * The problems the config guard found, one sentence each, after the key it is about
 * (`clientId: clientId is required.`); a problem of the whole config has no key in front.
 *
 * @param error - What {@link huggingFaceConfigGuard} reported.
 */
export const describeConfigProblems = (error: z.ZodError): string[] =>
  error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message
  );

/**
 * Validates a stored configuration and derives endpoints and defaults.
 *
 * @param raw - What Logto's `getConfig` returned.
 * @throws ConnectorError `InvalidConfig` listing every problem by key; never echoes the secret.
 */
export const resolveConfig = (raw: unknown): ResolvedConfig => {
  const result = huggingFaceConfigGuard.safeParse(raw);
  if (!result.success) {
    const problems = describeConfigProblems(result.error);
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
    hubUrl,
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
