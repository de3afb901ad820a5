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
 * @see https://huggingface.co/docs/hub/spaces-oauth
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';

import { organizationIdPattern, organizationNamePattern } from './constants.js';
import { connectorError } from './errors.js';
import { type HuggingFaceProfile } from './userinfo.js';

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
const meetsRule = (
  { sub, preferred_username: name }: { sub?: string; preferred_username?: string },
  rule: OrganizationRule
): boolean => {
  const id = comparable(sub, organizationIdPattern);
  const comparableName = comparable(name, organizationNamePattern);
  return (
    (id !== undefined && rule.ids.has(id)) ||
    (comparableName !== undefined && rule.names.has(comparableName))
  );
};

/**
 * Checks that the user belongs to at least one authorized organization: an ID entry matches an
 * org's `sub`, a name entry its `preferred_username`, both ASCII-case-insensitively.
 *
 * @param profile - The userinfo profile; its `orgs[]` needs the `profile` scope.
 * @param authorizedOrgs - Organization names or IDs; absent or empty allows everyone (the config
 *   guard refuses a rule that lists nothing).
 * @throws ConnectorError `AuthorizationFailed` naming the required organizations.
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
  const isMember = memberships.some((membership) => meetsRule(membership, rule));
  if (!isMember) {
    throw connectorError(
      ConnectorErrorCodes.AuthorizationFailed,
      `This Hugging Face account is not a member of an authorized organization (${required}). Join one of them on Hugging Face and grant it on the consent screen, then sign in again.`,
      { step: 'organizations' }
    );
  }
};
