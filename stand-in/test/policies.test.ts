/**
 * The stand-in's rules, checked against Hugging Face's documented behaviour: which scopes exist
 * and may be requested, which redirect URIs match, and which claims each answer carries.
 */
import { describe, expect, it } from 'vitest';

import { demoOrganizations, demoUsers, type DemoUser } from '../accounts.js';
import { avatarSvg, idTokenClaims, userInfoClaims } from '../claims.js';
import { redirectUriRule } from '../clients.js';
import { createScopePolicy } from '../scope-policy.js';

/**
 * Hugging Face's documented scopes, as its OAuth documentation lists them, and read-mcp, which
 * Hugging Face's own MCP server requests.
 */
const documentedScopes =
  'openid profile email read-billing read-memberships read-repos gated-repos contribute-repos write-repos manage-repos read-collections write-collections inference-api read-endpoints write-endpoints jobs webhooks write-discussions read-mcp';

const issuer = 'https://hub.example';
const ada = demoUsers.find((user) => user.preferred_username === 'ada') as DemoUser;

describe('scope policy', () => {
  const policy = createScopePolicy([
    { clientId: 'full', clientSecret: 's' },
    { clientId: 'limited', clientSecret: 's', allowedScopes: ['openid', 'profile'] },
  ]);

  it('accepts every scope Hugging Face documents for an app with all of them enabled', () => {
    expect(policy.refusal('full', documentedScopes)).toBeUndefined();
  });

  it('refuses a scope Hugging Face does not know, naming it', () => {
    expect(policy.refusal('full', 'profile emial')).toBe('Unknown scope "emial"');
  });

  it('refuses offline_access: Hugging Face has no such scope', () => {
    expect(policy.refusal('full', 'openid offline_access')).toBe('Unknown scope "offline_access"');
  });

  it('refuses a documented scope that is not enabled in the app settings', () => {
    expect(policy.refusal('limited', 'openid profile email')).toBe(
      'The scope "email" is not enabled for this application',
    );
    expect(policy.refusal('limited', 'openid profile')).toBeUndefined();
  });

  it('refuses everything for an unregistered client', () => {
    expect(policy.refusal('nobody', 'profile')).toBe('The scope "profile" is not enabled for this application');
  });
});

describe('redirect URI rule (exact match; any port on http loopback hosts)', () => {
  const registered = redirectUriRule({
    clientId: 'app',
    clientSecret: 's',
    redirectUris: ['https://auth.example.com/callback/hf', 'http://127.0.0.1:5000/callback'],
  });
  const anyLoopback = redirectUriRule({ clientId: 'app', clientSecret: 's' });

  it('accepts a registered URI exactly, and nothing that differs from it', () => {
    expect(registered('https://auth.example.com/callback/hf')).toBe(true);
    expect(registered('https://auth.example.com/callback/hf2')).toBe(false);
    expect(registered('https://auth.example.com:8443/callback/hf')).toBe(false);
  });

  it('accepts a registered http loopback URI on another port, not on another path', () => {
    expect(registered('http://127.0.0.1:6123/callback')).toBe(true);
    expect(registered('http://127.0.0.1:6123/other')).toBe(false);
    expect(registered('http://localhost:5000/callback')).toBe(false);
  });

  it('without registered URIs, accepts http loopback URLs only', () => {
    expect(anyLoopback('http://127.0.0.1:3000/callback')).toBe(true);
    expect(anyLoopback('http://localhost/callback')).toBe(true);
    expect(anyLoopback('http://[::1]:8080/cb')).toBe(true);
    expect(anyLoopback('https://127.0.0.1/callback')).toBe(false);
    expect(anyLoopback('http://example.com/callback')).toBe(false);
    expect(anyLoopback('http://127.0.0.1/callback#fragment')).toBe(false);
    expect(anyLoopback('not a url')).toBe(false);
  });
});

describe('claims', () => {
  it('puts the profile claims in the ID token, never email, orgs or isPro', () => {
    expect(idTokenClaims(issuer, ada)).toEqual({
      sub: '64b7f0a1c2d3e4f5a6b7c801',
      name: 'Ada Lovelace',
      preferred_username: 'ada',
      picture: 'https://hub.example/avatars/ada.svg',
      profile: 'https://hub.example/ada',
    });
  });

  it('answers userinfo with sub only when neither profile nor email was granted', () => {
    expect(userInfoClaims(issuer, ada, new Set(['openid']))).toEqual({ sub: ada.sub });
  });

  it('adds email and email_verified with email, and the profile, isPro and orgs with profile', () => {
    expect(userInfoClaims(issuer, ada, new Set(['email']))).toEqual({
      sub: ada.sub,
      email: 'ada@example.com',
      email_verified: true,
    });
    const profile = userInfoClaims(issuer, ada, new Set(['profile']));
    expect(profile).toMatchObject({ preferred_username: 'ada', isPro: true });
    expect(profile).not.toHaveProperty('email');
    expect(profile.orgs).toEqual([
      {
        sub: '65a1f0c2e4b7d9a3c5e7f901',
        name: 'ML Lab',
        preferred_username: 'ml-lab',
        picture: 'https://hub.example/avatars/ml-lab.svg',
        plan: 'team',
      },
    ]);
  });

  it('leaves plan out for a free organization', () => {
    const outsider = demoUsers.find((user) => user.preferred_username === 'outsider') as DemoUser;
    const [org] = userInfoClaims(issuer, outsider, new Set(['profile'])).orgs as Array<Record<string, unknown>>;
    expect(org).toEqual({
      sub: demoOrganizations[1]?.sub,
      name: 'Other Org',
      preferred_username: 'other-org',
      picture: 'https://hub.example/avatars/other-org.svg',
    });
  });

  it('lists the securityRestrictions of a membership the user cannot use yet, as Hugging Face does', () => {
    const pending: DemoUser = {
      ...ada,
      orgs: [{ ...demoOrganizations[0]!, securityRestrictions: ['mfa', 'sso'] }, demoOrganizations[1]!],
    };

    const orgs = userInfoClaims(issuer, pending, new Set(['profile'])).orgs as Array<Record<string, unknown>>;

    expect(orgs[0]).toMatchObject({ preferred_username: 'ml-lab', securityRestrictions: ['mfa', 'sso'] });
    expect(orgs[1]).not.toHaveProperty('securityRestrictions');
  });

  it('draws an avatar with the first letter of the name, upper-cased', () => {
    expect(avatarSvg('ada')).toMatch(/<text[^>]*>A<\/text><\/svg>$/);
    expect(avatarSvg('')).toMatch(/>\?<\/text>/);
  });
});
