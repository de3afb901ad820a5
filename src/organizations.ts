/**
 * The authorized-organizations rule: only members of the configured Hugging Face organizations
 * may sign in, like `hf_oauth_authorized_org` on Hugging Face Spaces.
 *
 * An entry is either an organization ID (24 hexadecimal characters, the org's `sub`) or an
 * organization name (its `preferred_username`, the name in its URL), never both: an ID matches
 * only `sub`, so nobody can meet a rule by naming a new organization after another's ID. Both are
 * ASCII and compared ASCII-case-insensitively: a name or ID of another shape never matches, so no
 * Unicode case folding (KELVIN SIGN U+212A to `k`) can make another organization's name equal.
 *
 * A membership Hugging Face marks as not usable yet (`securityRestrictions`, or the older
 * `missingMFA` / `pendingSSO`) does not meet the rule: the user is told what to do on Hugging Face.
 *
 * @see https://huggingface.co/docs/hub/spaces-oauth
 * @see https://huggingface.co/docs/hub/oauth
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';

import { organizationIdPattern, organizationNamePattern } from './constants.js';
import { connectorError } from './errors.js';
import { quoteInput } from './quote.js';
import { type HuggingFaceOrganization, type HuggingFaceProfile } from './userinfo.js';

/**
 * A name or ID in the one case the rule compares, when it has Hugging Face's shape for it (ASCII
 * only, so lower-casing folds nothing but A to Z); `undefined` otherwise, which matches nothing.
 */
const comparable = (value: string | undefined, shape: RegExp): string | undefined =>
  value !== undefined && shape.test(value) ? value.toLowerCase() : undefined;

/** An `authorizedOrgs` rule as compared: its IDs and its names, each in {@link comparable} form. */
type OrganizationRule = { ids: ReadonlySet<string>; names: ReadonlySet<string> };

const readRule = (authorizedOrgs: readonly string[]): OrganizationRule => {
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const entry of authorizedOrgs) {
    // An ID has the name shape too, but is only ever an ID.
    const id = comparable(entry, organizationIdPattern);
    const name = comparable(entry, organizationNamePattern);
    if (id !== undefined) {
      ids.add(id);
    } else if (name !== undefined) {
      names.add(name);
    }
  }
  return { ids, names };
};

/** Whether an organization's `sub` is one of the rule's IDs or its `preferred_username` one of its names. */
const namedByRule = (
  { sub, preferred_username: name }: HuggingFaceOrganization,
  rule: OrganizationRule
): boolean => {
  const id = comparable(sub, organizationIdPattern);
  const comparableName = comparable(name, organizationNamePattern);
  return (
    (id !== undefined && rule.ids.has(id)) ||
    (comparableName !== undefined && rule.names.has(comparableName))
  );
};

/** What the user must do on Hugging Face for each restriction it documents. */
const remedies: ReadonlyMap<unknown, string> = new Map([
  ['mfa', 'enable two-factor authentication (MFA) in the Hugging Face account settings'],
  ['sso', 'sign in to the organization through its single sign-on (SSO) on Hugging Face'],
  ['ip', 'connect to Hugging Face from an IP address the organization allows'],
  [
    'token-policy',
    'ask an administrator of the organization to allow this app under its token policy (huggingface.co/docs/hub/enterprise-tokens-management)',
  ],
]);

/** Whether an older flag (`missingMFA`, `pendingSSO`) is set: any value but absent, `null` or `false`. */
const isFlagSet = (flag: unknown) => flag !== undefined && flag !== null && flag !== false;

/**
 * The restrictions of a membership, each a `securityRestrictions` value: the listed ones (a
 * single value counts as a list of one), `"mfa"` for `missingMFA` and `"sso"` for `pendingSSO`.
 * Empty only when nothing restricts the membership.
 */
const restrictionsOf = ({ securityRestrictions: listed, missingMFA, pendingSSO }: HuggingFaceOrganization): unknown[] => [
  ...(listed === undefined || listed === null ? [] : Array.isArray(listed) ? (listed as unknown[]) : [listed]),
  ...(isFlagSet(missingMFA) ? ['mfa'] : []),
  ...(isFlagSet(pendingSSO) ? ['sso'] : []),
];

/**
 * What the user must do for an organization's restrictions, each once, in a fixed order;
 * every restriction the connector does not know becomes one request to meet the organization's
 * requirements, quoting the first one that is text.
 */
const remediesOf = (restrictions: readonly unknown[]): string[] => {
  const known = [...remedies].filter(([restriction]) => restrictions.includes(restriction)).map(([, remedy]) => remedy);
  const unknown = restrictions.filter((restriction) => !remedies.has(restriction));
  if (unknown.length === 0) {
    return known;
  }
  const named = unknown.find((restriction): restriction is string => typeof restriction === 'string');
  return [
    ...known,
    named === undefined
      ? "meet the organization's access requirements on Hugging Face"
      : `meet the organization's access requirement ${quoteInput(named)} on Hugging Face`,
  ];
};

/** `a`, `a and b`, `a, b and c`. */
const inWords = (items: readonly string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}` : (items[0] ?? '');

/** Restricted organizations named one by one in a message; the rest are counted. */
const restrictedOrganizationsNamed = 3;

/**
 * The refusal of a user whose every membership the rule names is restricted: for each such
 * organization (by name, else by ID; the first {@link restrictedOrganizationsNamed}), what to do.
 */
const restrictedMembershipError = (memberships: readonly HuggingFaceOrganization[]) => {
  // Entries by organization, so that one Hugging Face lists many times is named once.
  const byOrganization = new Map<string, HuggingFaceOrganization[]>();
  for (const membership of memberships) {
    const label = quoteInput(
      comparable(membership.preferred_username, organizationNamePattern) === undefined
        ? (membership.sub ?? '')
        : (membership.preferred_username ?? '')
    );
    const entries = byOrganization.get(label);
    if (entries) {
      entries.push(membership);
    } else {
      byOrganization.set(label, [membership]);
    }
  }
  const named = [...byOrganization]
    .slice(0, restrictedOrganizationsNamed)
    .map(([label, entries]) => `for ${label}, ${inWords(remediesOf(entries.flatMap(restrictionsOf)))}`);
  const unnamed = byOrganization.size - named.length;
  return connectorError(
    ConnectorErrorCodes.AuthorizationFailed,
    `This Hugging Face account is in an authorized organization but may not use it yet: ${named.join('; ')}${
      unnamed > 0 ? `; and ${unnamed} more organizations` : ''
    }. Then sign in again.`,
    { step: 'organizations' }
  );
};

/**
 * Checks that the user belongs to at least one authorized organization: an ID entry matches an
 * org's `sub`, a name entry its `preferred_username`, both ASCII-case-insensitively.
 *
 * @param profile - The userinfo profile; its `orgs[]` needs the `profile` scope.
 * @param authorizedOrgs - Organization names or IDs; absent or empty allows everyone (the config
 *   guard refuses a rule that lists nothing).
 * @throws ConnectorError `AuthorizationFailed` naming the required organizations; or, when every
 *   membership the rule names is restricted, naming those organizations and what the user must do
 *   on Hugging Face for each.
 */
export const assertAuthorizedOrganization = (
  profile: HuggingFaceProfile,
  authorizedOrgs: readonly string[] | undefined
): void => {
  if (!authorizedOrgs?.length) {
    return;
  }
  const required = authorizedOrgs.join(', ');
  const memberships = profile.orgs;
  if (!memberships) {
    throw connectorError(
      ConnectorErrorCodes.AuthorizationFailed,
      `Sign-in is limited to members of ${required}, but Hugging Face returned no organization list. Request the "profile" scope (and "read-memberships" if your app needs it).`,
      { step: 'organizations' }
    );
  }
  const rule = readRule(authorizedOrgs);
  const named = memberships.filter((membership) => namedByRule(membership, rule));
  if (named.some((membership) => restrictionsOf(membership).length === 0)) {
    return;
  }
  if (named.length > 0) {
    throw restrictedMembershipError(named);
  }
  throw connectorError(
    ConnectorErrorCodes.AuthorizationFailed,
    `This Hugging Face account is not a member of an authorized organization (${required}). Join one of them on Hugging Face and grant it on the consent screen, then sign in again.`,
    { step: 'organizations' }
  );
};
