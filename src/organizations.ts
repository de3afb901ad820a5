/**
 * The authorized-organizations rule: only members of the configured Hugging Face organizations
 * may sign in, like `hf_oauth_authorized_org` on Hugging Face Spaces.
 *
 * @see https://huggingface.co/docs/hub/spaces-oauth
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';

import { connectorError } from './errors.js';
import { type HuggingFaceUserInfo } from './userinfo.js';

type Membership = { sub?: string; preferredUsername?: string };

const readMemberships = (orgs: unknown): Membership[] | undefined => {
  if (!Array.isArray(orgs)) {
    return undefined;
  }
  return orgs.flatMap((org: unknown) => {
    if (!org || typeof org !== 'object') {
      return [];
    }
    const { sub, preferred_username: preferredUsername } = org as Record<string, unknown>;
    return [
      {
        ...(typeof sub === 'string' && { sub: sub.toLowerCase() }),
        ...(typeof preferredUsername === 'string' && {
          preferredUsername: preferredUsername.toLowerCase(),
        }),
      },
    ];
  });
};

/**
 * Checks that the user belongs to at least one authorized organization, matched by its name
 * (`preferred_username`, case-insensitive) or its id (`sub`).
 *
 * @param userInfo - The userinfo; its `orgs[]` needs the `profile` scope.
 * @param authorizedOrgs - Organization names or ids; an empty list allows everyone.
 * @throws ConnectorError `AuthorizationFailed` naming the required organizations.
 */
export const assertAuthorizedOrganization = (
  userInfo: HuggingFaceUserInfo,
  authorizedOrgs: readonly string[] | undefined
): void => {
  if (!authorizedOrgs?.length) {
    return;
  }
  const required = authorizedOrgs.join(', ');
  const memberships = readMemberships(userInfo.orgs);
  if (!memberships) {
    throw connectorError(
      ConnectorErrorCodes.AuthorizationFailed,
      `Sign-in is limited to members of ${required}, but Hugging Face returned no organization list. Request the "profile" scope (and "read-memberships" if your app needs it).`,
      { step: 'organizations' }
    );
  }
  const wanted = new Set(authorizedOrgs.map((org) => org.toLowerCase()));
  const isMember = memberships.some(
    ({ sub, preferredUsername }) =>
      (sub !== undefined && wanted.has(sub)) ||
      (preferredUsername !== undefined && wanted.has(preferredUsername))
  );
  if (!isMember) {
    throw connectorError(
      ConnectorErrorCodes.AuthorizationFailed,
      `This Hugging Face account is not a member of an authorized organization (${required}). Join one of them on Hugging Face and grant it on the consent screen, then sign in again.`,
      { step: 'organizations' }
    );
  }
};
