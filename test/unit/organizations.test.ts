/**
 * The authorized-organizations rule (README, "Organization rules") over `orgs[]` in Hugging Face's
 * shape, restricted memberships included.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { expectConnectorError, isolateNetwork, signInWithUserInfo, userId } from '../support/kit.js';

isolateNetwork();

const acmeId = '5e67bd5b1009063689407478';
const otherOrgId = '61f0c0ffee0c0ffee0c0ffee';
const acme = { sub: acmeId, name: 'Acme Research', preferred_username: 'acme-research', plan: 'team' };
const other = { sub: otherOrgId, name: 'Other Lab', preferred_username: 'other-lab' };
const malformedEntries = [null, 'acme-research', 42, [acmeId], {}, { sub: 42, preferred_username: ['acme-research'] }, { name: 'acme-research' }];

/** Signs in with the rule `authorizedOrgs` as a user whose userinfo lists `orgs` (none when undefined). */
const signInWith = async (authorizedOrgs: unknown, orgs: unknown) =>
  signInWithUserInfo(
    { status: 200, body: { sub: userId, preferred_username: 'grace', ...(orgs !== undefined && { orgs }) } },
    { config: { authorizedOrgs } }
  );

describe('who is let in', () => {
  it.each<[string, unknown, unknown]>([
    ['the rule names the organization', 'acme-research', [other, acme]],
    ['the rule names it in another case', 'ACME-Research', [other, acme]],
    [
      'Hugging Face spells its name in another case',
      'acme-research',
      [{ ...acme, preferred_username: 'Acme-Research' }],
    ],
    ['the rule names it by ID', acmeId, [other, acme]],
    ['the rule names it by ID in upper case', '5E67BD5B1009063689407478', [other, acme]],
    ['Hugging Face spells its ID in upper case', acmeId, [{ ...acme, sub: '5E67BD5B1009063689407478' }]],
    ['malformed entries stand beside a valid membership', 'acme-research', [...malformedEntries, acme]],
    ['the membership has an empty securityRestrictions', 'acme-research', [{ ...acme, securityRestrictions: [] }]],
    ['the membership has securityRestrictions null', 'acme-research', [{ ...acme, securityRestrictions: null }]],
    ['missingMFA and pendingSSO are false', 'acme-research', [{ ...acme, missingMFA: false, pendingSSO: false }]],
    ['missingMFA and pendingSSO are null', 'acme-research', [{ ...acme, missingMFA: null, pendingSSO: null }]],
    [
      'another organization of the rule is not restricted',
      ['acme-research', otherOrgId],
      [{ ...acme, securityRestrictions: ['sso'] }, other],
    ],
    [
      'only an organization outside the rule is restricted',
      'acme-research',
      [{ ...other, securityRestrictions: ['mfa'] }, acme],
    ],
    ['there is no rule', undefined, undefined],
    ['the rule is an empty list', [], undefined],
  ])('lets the user in when %s', async (_, rule, orgs) => {
    await expect(signInWith(rule, orgs)).resolves.toMatchObject({ id: userId });
  });
});

describe('who is turned away', () => {
  const notMember = (required: string) =>
    `This Hugging Face account is not a member of an authorized organization (${required}). Join one of them on Hugging Face and grant it on the consent screen, then sign in again.`;
  const noList =
    'Sign-in is limited to members of acme-research, but Hugging Face returned no organization list. Request the "profile" scope (and "read-memberships" if your app needs it).';
  const restricted = (remedies: string) =>
    `This Hugging Face account is in an authorized organization but may not use it yet: ${remedies}. Then sign in again.`;
  const mfa = 'enable two-factor authentication (MFA) in the Hugging Face account settings';
  const sso = 'sign in to the organization through its single sign-on (SSO) on Hugging Face';
  const ip = 'connect to Hugging Face from an IP address the organization allows';
  const tokenPolicy =
    'ask an administrator of the organization to allow this app under its token policy (huggingface.co/docs/hub/enterprise-tokens-management)';
  const unknownRestriction = (name: string) => `meet the organization's access requirement "${name}" on Hugging Face`;
  const labs = Array.from({ length: 500 }, (_, index) => ({
    sub: `5e67bd5b10090636894${String(index).padStart(5, '0')}`,
    preferred_username: `lab-${index}`,
    securityRestrictions: ['mfa', 'sso', 'ip', 'token-policy', `new-rule-${index}`, index],
  }));
  const labRemedies = (index: number) =>
    `for "lab-${index}", ${mfa}, ${sso}, ${ip}, ${tokenPolicy} and ${unknownRestriction(`new-rule-${index}`)}`;

  /** Signs in and expects AuthorizationFailed with exactly `errorDescription`. */
  const expectRefusal = async (rule: unknown, orgs: unknown, errorDescription: string) => {
    const error = await expectConnectorError(signInWith(rule, orgs), ConnectorErrorCodes.AuthorizationFailed);

    expect(error.data).toEqual({ errorDescription, step: 'organizations' });
  };

  it.each<[string, unknown, unknown, string]>([
    ['belongs only to other organizations', 'acme-research, ml-lab', [other], notMember('acme-research, ml-lab')],
    ['belongs to no organization', 'acme-research', [], notMember('acme-research')],
    [
      // Anyone can create an organization whose name is another organization's 24-hex ID.
      'is in an organization named after the authorized ID',
      acmeId,
      [{ sub: otherOrgId, preferred_username: acmeId }],
      notMember(acmeId),
    ],
    [
      // Organization names are ASCII; Unicode case folding would map KELVIN SIGN (U+212A) to "k".
      'is in an organization named with KELVIN SIGN for K',
      'kaggle-lab',
      [{ sub: otherOrgId, preferred_username: '\u212Aaggle-lab' }],
      notMember('kaggle-lab'),
    ],
    [
      'is in one named with KELVIN SIGN, the rest in upper case',
      'kaggle-lab',
      [{ sub: otherOrgId, preferred_username: '\u212AAGGLE-LAB' }],
      notMember('kaggle-lab'),
    ],
    [
      "is in an organization whose sub is the rule's name",
      'acme-research',
      [{ sub: 'acme-research', preferred_username: 'someone-else' }],
      notMember('acme-research'),
    ],
    [
      'has only malformed organization entries',
      ['acme-research', acmeId],
      malformedEntries,
      notMember(`acme-research, ${acmeId}`),
    ],
    [
      'is restricted only outside the rule',
      'acme-research',
      [{ ...other, missingMFA: true }],
      notMember('acme-research'),
    ],
    ['has a userinfo without orgs', 'acme-research', undefined, noList],
    ['has orgs that is not a list', 'acme-research', { acme }, noList],
    ['has orgs that is null', 'acme-research', null, noList],
    [
      'has several restrictions in several organizations of the rule',
      'acme-research, ml-lab',
      [
        { ...acme, securityRestrictions: ['mfa', 'ip'], missingMFA: true },
        { sub: '65a1f0c2e4b7d9a3c5e7f901', preferred_username: 'ml-lab', pendingSSO: true },
      ],
      restricted(`for "acme-research", ${mfa} and ${ip}; for "ml-lab", ${sso}`),
    ],
    [
      'is restricted in an organization Hugging Face lists twice, each time with another restriction',
      acmeId,
      [{ ...acme, securityRestrictions: ['mfa'] }, { ...acme, securityRestrictions: ['ip'] }],
      restricted(`for "acme-research", ${mfa} and ${ip}`),
    ],
    [
      'is restricted in an organization whose name is not in Hugging Face\'s shape, named by its ID',
      acmeId,
      [{ sub: acmeId, preferred_username: 'acme research', securityRestrictions: ['sso'] }],
      restricted(`for "5e67bd5b1009063689407478", ${sso}`),
    ],
    [
      'is in an organization Hugging Face lists 300 times, each with a new restriction',
      'acme-research',
      Array.from({ length: 300 }, (_, index) => ({ ...acme, securityRestrictions: [`new-rule-${index}`] })),
      restricted(`for "acme-research", ${unknownRestriction('new-rule-0')}`),
    ],
    [
      'is restricted in 500 organizations of the rule, three of them named',
      labs.map((lab) => lab.preferred_username),
      labs,
      restricted(`${[0, 1, 2].map(labRemedies).join('; ')}; and 497 more organizations`),
    ],
  ])('turns away a user who %s', async (_, rule, orgs, errorDescription) => {
    await expectRefusal(rule, orgs, errorDescription);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['securityRestrictions ["mfa"]', { securityRestrictions: ['mfa'] }, mfa],
    ['securityRestrictions ["sso"]', { securityRestrictions: ['sso'] }, sso],
    ['securityRestrictions ["ip"]', { securityRestrictions: ['ip'] }, ip],
    ['securityRestrictions ["token-policy"]', { securityRestrictions: ['token-policy'] }, tokenPolicy],
    ['securityRestrictions "mfa", a text, not a list', { securityRestrictions: 'mfa' }, mfa],
    ['the older missingMFA: true', { missingMFA: true }, mfa],
    ['the older pendingSSO: true', { pendingSSO: true }, sso],
    ['missingMFA that is not a boolean', { missingMFA: 'true' }, mfa],
    [
      'a restriction Hugging Face adds later',
      { securityRestrictions: ['hardware-key'] },
      unknownRestriction('hardware-key'),
    ],
    [
      'a restriction that is not text',
      { securityRestrictions: [{ kind: 'mfa' }] },
      "meet the organization's access requirements on Hugging Face",
    ],
    [
      'securityRestrictions that is an object',
      { securityRestrictions: { mfa: true } },
      "meet the organization's access requirements on Hugging Face",
    ],
  ])('turns away a member of an authorized organization with %s, naming what to do', async (_, fields, remedy) => {
    await expectRefusal(acmeId, [{ ...acme, ...fields }], restricted(`for "acme-research", ${remedy}`));
  });
});
