import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import {
  callbackDataOf,
  clientCredentials,
  createTestConnector,
  expectConnectorError,
  mockCodeExchange,
  mockUserInfo,
  nextHubUrl,
  startSignIn,
} from './crypto-fixtures.js';
import { isolateNetwork } from './fixtures.js';

isolateNetwork();

const userId = '64b7f0c2a1e3d4f5a6b7c8d9';
const acmeId = '5e67bd5b1009063689407478';
const otherOrgId = '61f0c0ffee0c0ffee0c0ffee';

const acme = {
  sub: acmeId,
  name: 'Acme Research',
  preferred_username: 'acme-research',
  picture: 'https://cdn.test/avatars/acme.png',
  plan: 'team',
};
const other = {
  sub: otherOrgId,
  name: 'Other Lab',
  preferred_username: 'other-lab',
  picture: 'https://cdn.test/avatars/other.png',
};

type UserInfoBody = Record<string, unknown> & { sub: string };

const userInfoWith = (orgs?: unknown): UserInfoBody => ({
  sub: userId,
  name: 'Grace Hopper',
  preferred_username: 'grace',
  picture: 'https://cdn.test/avatars/grace.png',
  ...(orgs !== undefined && { orgs }),
});

/**
 * Runs one whole sign-in with the `profile` scope and the given organization rule against a
 * userinfo body, asserting every mocked endpoint was called.
 */
const signInWith = async (authorizedOrgs: unknown, userInfo: UserInfoBody) => {
  const hubUrl = nextHubUrl('org');
  const connector = await createTestConnector({
    ...clientCredentials,
    scope: 'profile',
    hubUrl,
    ...(authorizedOrgs !== undefined && { authorizedOrgs }),
  });
  const signIn = await startSignIn(connector);
  const accessToken = `hf_oauth_access_${signIn.state}`;
  const scopes = [
    mockCodeExchange(hubUrl, signIn, {
      access_token: accessToken,
      token_type: 'bearer',
      scope: 'profile',
    }),
    mockUserInfo(hubUrl, accessToken, userInfo),
  ];
  try {
    return await connector.getUserInfo(callbackDataOf(signIn), signIn.store.getSession);
  } finally {
    for (const scope of scopes) {
      expect(scope.isDone()).toBe(true);
    }
  }
};

describe('authorized organizations', () => {
  it.each([
    ['its name', 'acme-research', acme],
    ['its name in another case', 'ACME-Research', acme],
    [
      'its name, which Hugging Face spells in another case',
      'acme-research',
      { ...acme, preferred_username: 'Acme-Research' },
    ],
    ['its id', acmeId, acme],
    ['its id in upper case', acmeId.toUpperCase(), acme],
    [
      'its id, which Hugging Face spells in upper case',
      acmeId,
      { ...acme, sub: acmeId.toUpperCase() },
    ],
  ])('lets a member in when the rule names the organization by %s', async (_, rule, org) => {
    const userInfo = userInfoWith([other, org]);

    await expect(signInWith(rule, userInfo)).resolves.toEqual(
      expect.objectContaining({ id: userId, rawData: userInfo })
    );
  });

  it.each([
    ['one per line', 'nobody-org\nacme-research'],
    ['comma-separated', 'nobody-org, acme-research'],
    ['mixed separators with blank lines', '\n nobody-org ,\n\n  acme-research \n'],
    ['a list', ['nobody-org', 'acme-research']],
    ['a list whose entries hold several names', ['nobody-org,other-nobody', 'acme-research']],
  ])('reads a rule written %s', async (_, rule) => {
    await expect(signInWith(rule, userInfoWith([acme]))).resolves.toEqual(
      expect.objectContaining({ id: userId })
    );
  });

  it('turns away a user of other organizations, naming the required ones', async () => {
    const error = await expectConnectorError(
      signInWith('acme-research, 5f0000000000000000000001', userInfoWith([other])),
      ConnectorErrorCodes.AuthorizationFailed,
      'is not a member of an authorized organization (acme-research, 5f0000000000000000000001)'
    );
    expect(error.data.step).toBe('organizations');
  });

  it('turns away a user who belongs to no organization', async () => {
    await expectConnectorError(
      signInWith('acme-research', userInfoWith([])),
      ConnectorErrorCodes.AuthorizationFailed,
      'is not a member of an authorized organization (acme-research)'
    );
  });

  it('does not let an organization named after the authorized ID in: an ID matches only sub', async () => {
    // Anyone can create an organization whose name is another organization's 24-hex ID.
    const impostor = { sub: otherOrgId, name: acmeId, preferred_username: acmeId };

    await expectConnectorError(
      signInWith(acmeId, userInfoWith([impostor])),
      ConnectorErrorCodes.AuthorizationFailed,
      `is not a member of an authorized organization (${acmeId})`
    );
  });

  it.each([
    ['KELVIN SIGN (U+212A) for its K', '\u212Aaggle-lab'],
    ['KELVIN SIGN for its K, the rest in upper case', '\u212AAGGLE-LAB'],
  ])(
    'does not let an organization whose name has a look-alike letter meet a name rule: %s',
    async (_, lookAlike) => {
      // Organization names are ASCII; Unicode case folding would map U+212A to "k".
      const impostor = { sub: otherOrgId, name: 'Kaggle Lab', preferred_username: lookAlike };

      await expectConnectorError(
        signInWith('kaggle-lab', userInfoWith([impostor])),
        ConnectorErrorCodes.AuthorizationFailed,
        'is not a member of an authorized organization (kaggle-lab)'
      );
    }
  );

  it('does not match a name against an organization\'s sub', async () => {
    const orgWhoseSubIsTheName = { sub: 'acme-research', preferred_username: 'someone-else' };

    await expectConnectorError(
      signInWith('acme-research', userInfoWith([orgWhoseSubIsTheName])),
      ConnectorErrorCodes.AuthorizationFailed,
      'is not a member of an authorized organization (acme-research)'
    );
  });

  it.each([
    ['a name with a space', 'ML Lab', '"ML Lab" is not a Hugging Face organization name: names have no spaces'],
    [
      'names separated by spaces',
      'nobody-org acme-research',
      '"nobody-org acme-research" is not a Hugging Face organization name: names have no spaces',
    ],
    ['a list entry with a space', ['acme-research', 'ML Lab'], '"ML Lab" is not a Hugging Face organization name'],
    ['only separators', ' , ', 'authorizedOrgs lists no organization'],
    ['only separators and line breaks', ',\n,', 'authorizedOrgs lists no organization'],
    ['a list of blank entries', [' ', ','], 'authorizedOrgs lists no organization'],
  ])('refuses at save a rule with %s, sending nothing', async (_, rule, message) => {
    const connector = await createTestConnector({
      ...clientCredentials,
      scope: 'profile',
      hubUrl: nextHubUrl('org'),
      authorizedOrgs: rule,
    });

    await expectConnectorError(startSignIn(connector), ConnectorErrorCodes.InvalidConfig, message);
  });

  it.each([
    ['no orgs field', undefined],
    ['orgs that is not a list', { acme }],
    ['orgs that is null', null],
  ])('turns away a userinfo with %s, pointing at the profile scope', async (_, orgs) => {
    const error = await expectConnectorError(
      signInWith('acme-research', userInfoWith(orgs)),
      ConnectorErrorCodes.AuthorizationFailed,
      'limited to members of acme-research, but Hugging Face returned no organization list. Request the "profile" scope'
    );
    expect(error.data.step).toBe('organizations');
  });

  const malformedEntries = [
    null,
    'acme-research',
    42,
    [acmeId],
    {},
    { sub: 42, preferred_username: ['acme-research'] },
    { name: 'acme-research' },
  ];

  it('ignores malformed organization entries and still finds a valid membership', async () => {
    await expect(
      signInWith('acme-research', userInfoWith([...malformedEntries, acme]))
    ).resolves.toEqual(expect.objectContaining({ id: userId }));
  });

  it('does not count a malformed entry as a membership', async () => {
    await expectConnectorError(
      signInWith(['acme-research', acmeId], userInfoWith(malformedEntries)),
      ConnectorErrorCodes.AuthorizationFailed,
      `is not a member of an authorized organization (acme-research, ${acmeId})`
    );
  });

  describe('memberships Hugging Face marks as not usable yet', () => {
    const restricted = 'This Hugging Face account is in an authorized organization but may not use it yet';
    const mfa = 'enable two-factor authentication (MFA) in the Hugging Face account settings';
    const sso = "sign in to the organization through its single sign-on (SSO) on Hugging Face";
    const ip = 'connect to Hugging Face from an IP address the organization allows';
    const tokenPolicy =
      "ask an administrator of the organization to allow this app under its token policy (huggingface.co/docs/hub/enterprise-tokens-management)";

    it('turns away the only member of an authorized organization until MFA is on, saying so', async () => {
      const error = await expectConnectorError(
        signInWith('acme-research', userInfoWith([{ ...acme, securityRestrictions: ['mfa'] }])),
        ConnectorErrorCodes.AuthorizationFailed
      );

      expect(error.data).toEqual({
        errorDescription: `${restricted}: for "acme-research", ${mfa}. Then sign in again.`,
        step: 'organizations',
      });
    });

    it.each([
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
        'meet the organization\'s access requirement "hardware-key" on Hugging Face',
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
    ])('turns away a membership with %s, naming what to do', async (_, restriction, remedy) => {
      await expectConnectorError(
        signInWith(acmeId, userInfoWith([{ ...acme, ...restriction }])),
        ConnectorErrorCodes.AuthorizationFailed,
        `${restricted}: for "acme-research", ${remedy}. Then sign in again.`
      );
    });

    it('names every restriction of a membership and every restricted organization of the rule', async () => {
      const mlLab = { sub: '65a1f0c2e4b7d9a3c5e7f901', preferred_username: 'ml-lab', pendingSSO: true };

      await expectConnectorError(
        signInWith(
          'acme-research, ml-lab',
          userInfoWith([{ ...acme, securityRestrictions: ['mfa', 'ip'], missingMFA: true }, mlLab])
        ),
        ConnectorErrorCodes.AuthorizationFailed,
        `${restricted}: for "acme-research", ${mfa} and ${ip}; for "ml-lab", ${sso}. Then sign in again.`
      );
    });

    it('keeps the message short however many restricted entries Hugging Face lists', async () => {
      const entries = Array.from({ length: 500 }, (_, index) => ({
        sub: `5e67bd5b10090636894${String(index).padStart(5, '0')}`,
        preferred_username: `lab-${index}`,
        securityRestrictions: ['mfa', 'sso', 'ip', 'token-policy', `new-rule-${index}`, index],
      }));
      const rule = entries.map((entry) => entry.preferred_username);

      const error = await expectConnectorError(
        signInWith(rule, userInfoWith(entries)),
        ConnectorErrorCodes.AuthorizationFailed,
        `${restricted}: for "lab-0", ${mfa}, ${sso}, ${ip}, ${tokenPolicy} and meet the organization's access requirement "new-rule-0" on Hugging Face; for "lab-1", `,
        '; and 497 more organizations. Then sign in again.'
      );
      expect(error.data.errorDescription.length).toBeLessThan(2000);
    });

    it('names an organization Hugging Face lists many times once, with one unknown restriction', async () => {
      const copies = Array.from({ length: 300 }, (_, index) => ({
        ...acme,
        securityRestrictions: [`new-rule-${index}`],
      }));

      const error = await expectConnectorError(
        signInWith('acme-research', userInfoWith(copies)),
        ConnectorErrorCodes.AuthorizationFailed
      );
      expect(error.data.errorDescription).toBe(
        `${restricted}: for "acme-research", meet the organization's access requirement "new-rule-0" on Hugging Face. Then sign in again.`
      );
    });

    it.each([
      ['an empty securityRestrictions', { securityRestrictions: [] }],
      ['securityRestrictions null', { securityRestrictions: null }],
      ['missingMFA and pendingSSO false', { missingMFA: false, pendingSSO: false }],
      ['missingMFA and pendingSSO null', { missingMFA: null, pendingSSO: null }],
    ])('lets in a member whose membership has %s', async (_, fields) => {
      await expect(signInWith('acme-research', userInfoWith([{ ...acme, ...fields }]))).resolves.toEqual(
        expect.objectContaining({ id: userId })
      );
    });

    it('lets in a member of another authorized organization without restrictions', async () => {
      await expect(
        signInWith(
          ['acme-research', otherOrgId],
          userInfoWith([{ ...acme, securityRestrictions: ['sso'] }, other])
        )
      ).resolves.toEqual(expect.objectContaining({ id: userId }));
    });

    it('ignores restrictions of organizations outside the rule', async () => {
      await expect(
        signInWith('acme-research', userInfoWith([{ ...other, securityRestrictions: ['mfa'] }, acme]))
      ).resolves.toEqual(expect.objectContaining({ id: userId }));
    });

    it('says a user is not a member when only organizations outside the rule are restricted', async () => {
      await expectConnectorError(
        signInWith('acme-research', userInfoWith([{ ...other, missingMFA: true }])),
        ConnectorErrorCodes.AuthorizationFailed,
        'is not a member of an authorized organization (acme-research)'
      );
    });
  });

  it.each([
    ['no rule', undefined],
    ['an empty rule', ''],
    ['a blank rule', ' \n '],
    ['an empty list', []],
    ['null', null],
  ])('lets everyone in with %s', async (_, rule) => {
    await expect(signInWith(rule, userInfoWith())).resolves.toEqual(
      expect.objectContaining({ id: userId })
    );
  });
});
