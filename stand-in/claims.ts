/**
 * What the stand-in says about an account: the ID token's claims, the userinfo answer per granted
 * scope, and the avatar pictures it serves itself (so pages that show them need no network).
 */
import type { DemoUser } from './accounts.js';

/** `${issuer}/<username>`: the account's profile page, Hugging Face's `profile` claim. */
export const profileUrl = (issuer: string, user: Pick<DemoUser, 'preferred_username'>): string =>
  `${issuer}/${encodeURIComponent(user.preferred_username)}`;

/** `${issuer}/avatars/<username>.svg`: the `picture` of a user or organization, served by {@link avatarSvg}. */
export const pictureUrl = (issuer: string, owner: { preferred_username: string }): string =>
  `${issuer}/avatars/${encodeURIComponent(owner.preferred_username)}.svg`;

/** The path pattern of {@link pictureUrl}; group 1 is the name. */
export const avatarPath = /^\/avatars\/([\w.-]+)\.svg$/;

const profileClaims = (issuer: string, user: DemoUser) => ({
  sub: user.sub,
  name: user.name,
  preferred_username: user.preferred_username,
  picture: pictureUrl(issuer, user),
  profile: profileUrl(issuer, user),
});

/**
 * The account claims of an ID token: `sub` and the profile claims (Hugging Face documents
 * `name preferred_username picture profile website`); never `email`, `orgs` or `isPro`, which come
 * from userinfo. oidc-provider adds `iss aud iat exp auth_time nonce`.
 */
export const idTokenClaims = (issuer: string, user: DemoUser): Record<string, unknown> => profileClaims(issuer, user);

/**
 * The userinfo answer for a token with `scopes`: `sub` always; with `profile` the profile claims,
 * `isPro` and `orgs` (each with its `plan` and `securityRestrictions` when it has them); with
 * `email` `email` and `email_verified`. Hugging Face answers userinfo for any token with
 * `profile`, not only for `openid` tokens.
 */
export const userInfoClaims = (issuer: string, user: DemoUser, scopes: ReadonlySet<string>): Record<string, unknown> => ({
  sub: user.sub,
  ...(scopes.has('profile') && {
    ...profileClaims(issuer, user),
    isPro: user.isPro,
    orgs: user.orgs.map((org) => ({
      sub: org.sub,
      name: org.name,
      preferred_username: org.preferred_username,
      picture: pictureUrl(issuer, org),
      ...(org.plan !== undefined && { plan: org.plan }),
      ...(org.securityRestrictions !== undefined && { securityRestrictions: [...org.securityRestrictions] }),
    })),
  }),
  ...(scopes.has('email') && { email: user.email, email_verified: user.email_verified }),
});

/** The claims oidc-provider's `findAccount` returns for `use` (`id_token` or `userinfo`). */
export const accountClaims = (issuer: string, user: DemoUser, use: string): Record<string, unknown> =>
  use === 'id_token'
    ? idTokenClaims(issuer, user)
    : { ...profileClaims(issuer, user), email: user.email, email_verified: user.email_verified };

const avatarColors = ['#ff9d0b', '#5d34f2', '#0b8f6a', '#d6336c', '#1c7ed6'];

/** An SVG avatar: the name's first letter, upper-cased, on a colour picked from the name. */
export const avatarSvg = (name: string): string => {
  const color = avatarColors[Array.from(name, (character) => character.charCodeAt(0)).reduce((sum, code) => sum + code, 0) % avatarColors.length];
  const letter = (name[0] ?? '?').toUpperCase().replace(/[^\w]/g, '?');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="32" fill="${color}"/>` +
    `<text x="32" y="42" font-family="sans-serif" font-size="30" font-weight="700" fill="#fff" text-anchor="middle">${letter}</text></svg>`
  );
};
