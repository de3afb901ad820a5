/**
 * The authorized-organizations rule: only members of the configured Hugging Face organizations
 * may sign in, like `hf_oauth_authorized_org` on Hugging Face Spaces.
 *
 * An entry is either an organization ID (24 hexadecimal characters, the org's `sub`) or an
 * organization name (its `preferred_username`, the name in its URL), never both: an ID matches
 * only `sub`, so nobody can meet a rule by naming a new organization after another's ID.
 *
 * @see https://huggingface.co/docs/hub/spaces-oauth
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';

import { organizationIdPattern } from './constants.js';
import { connectorError } from './errors.js';
import { type HuggingFaceProfile } from './userinfo.js';

const isOrganizationId = (entry: string): boolean => organizationIdPattern.test(entry);

/**
 * Checks that the user belongs to at least one authorized organization: an ID entry matches an
 * org's `sub`, a name entry its `preferred_username`, both case-insensitively.
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
  const lowerCased = authorizedOrgs.map((org) => org.toLowerCase());
  const ids = new Set(lowerCased.filter((entry) => isOrganizationId(entry)));
  const names = new Set(lowerCased.filter((entry) => !isOrganizationId(entry)));
  const isMember = memberships.some(
    ({ sub, preferred_username: name }) =>
      (sub !== undefined && ids.has(sub.toLowerCase())) ||
      (name !== undefined && names.has(name.toLowerCase()))
  );
  if (!isMember) {
    throw connectorError(
      ConnectorErrorCodes.AuthorizationFailed,
      `This Hugging Face account is not a member of an authorized organization (${required}). Join one of them on Hugging Face and grant it on the consent screen, then sign in again.`,
      { step: 'organizations' }
    );
  }
};
