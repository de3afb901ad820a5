/**
 * Who can sign in at the stand-in: the demo users and their organizations, shaped like the
 * entries of Hugging Face's userinfo.
 */

/** An organization a demo user belongs to, shaped like an entry of Hugging Face's userinfo `orgs`. */
export type DemoOrganization = {
  /** Stable id: 24 lowercase hex characters, like a MongoDB ObjectId. */
  sub: string;
  /** Display name. */
  name: string;
  /** The organization's URL slug. */
  preferred_username: string;
  /** Subscription plan, e.g. `team` or `enterprise`; absent for free organizations. */
  plan?: string;
};

/**
 * A user's membership of an organization, shaped like an entry of Hugging Face's userinfo `orgs`:
 * the organization, and what keeps the user from using it yet.
 */
export type DemoMembership = DemoOrganization & {
  /**
   * Hugging Face's `securityRestrictions`: `"mfa"` (the user must enable MFA), `"sso"` (sign in
   * through the organization's SSO), `"ip"`, `"token-policy"`. Absent when nothing restricts it.
   */
  securityRestrictions?: readonly string[];
};

/** A person who can sign in at the stand-in's login page. */
export type DemoUser = {
  /** Stable id: 24 lowercase hex characters, like a MongoDB ObjectId. */
  sub: string;
  /** The user's URL slug; also the text of their button on the login page. */
  preferred_username: string;
  /** Display name; may be empty, as on Hugging Face. */
  name: string;
  /** The account's email address. */
  email: string;
  /** Whether Hugging Face has verified {@link DemoUser.email}. */
  email_verified: boolean;
  /** Whether the user has a PRO subscription. */
  isPro: boolean;
  /** The organizations the user belongs to. */
  orgs: readonly DemoMembership[];
};

const mlLab: DemoOrganization = Object.freeze({
  sub: '65a1f0c2e4b7d9a3c5e7f901',
  name: 'ML Lab',
  preferred_username: 'ml-lab',
  plan: 'team',
});

const otherOrg: DemoOrganization = Object.freeze({
  sub: '65a1f0c2e4b7d9a3c5e7f902',
  name: 'Other Org',
  preferred_username: 'other-org',
});

/** The organizations of the demo users: `ml-lab` ("ML Lab", plan `team`) and `other-org`. */
export const demoOrganizations: readonly DemoOrganization[] = Object.freeze([mlLab, otherOrg]);

/**
 * The default demo users:
 * - `ada`: "Ada Lovelace", verified `ada@example.com`, PRO, member of `ml-lab`;
 * - `blank`: empty display name, unverified `blank@example.com`, not PRO, no organizations;
 * - `outsider`: "Out Sider", verified `outsider@example.com`, member of `other-org` only.
 */
export const demoUsers: readonly DemoUser[] = Object.freeze([
  Object.freeze({
    sub: '64b7f0a1c2d3e4f5a6b7c801',
    preferred_username: 'ada',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    email_verified: true,
    isPro: true,
    orgs: [mlLab],
  }),
  Object.freeze({
    sub: '64b7f0a1c2d3e4f5a6b7c802',
    preferred_username: 'blank',
    name: '',
    email: 'blank@example.com',
    email_verified: false,
    isPro: false,
    orgs: [],
  }),
  Object.freeze({
    sub: '64b7f0a1c2d3e4f5a6b7c803',
    preferred_username: 'outsider',
    name: 'Out Sider',
    email: 'outsider@example.com',
    email_verified: true,
    isPro: false,
    orgs: [otherOrg],
  }),
]);

/**
 * Finds a user by username among `users` (by default the demo users).
 *
 * @throws TypeError when there is no such user, so a mistyped name fails the test that uses it.
 */
export const userNamed = (username: string, users: readonly DemoUser[] = demoUsers): DemoUser => {
  const user = users.find((candidate) => candidate.preferred_username === username);
  if (!user) {
    throw new TypeError(`No stand-in user "${username}"`);
  }
  return user;
};

/** Looks accounts up by the two keys the stand-in receives: the `sub` and the login page's username. */
export type AccountDirectory = {
  /** Every account, in login page order. */
  readonly all: readonly DemoUser[];
  /** The account with this `sub`, if any. */
  bySub(sub: string): DemoUser | undefined;
  /** The account with this `preferred_username` (exact match), if any. */
  byUsername(username: string | null | undefined): DemoUser | undefined;
};

/** A directory over `users`. */
export const createAccountDirectory = (users: readonly DemoUser[]): AccountDirectory => ({
  all: users,
  bySub: (sub) => users.find((user) => user.sub === sub),
  byUsername: (username) => users.find((user) => user.preferred_username === username),
});
