import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { type ResolvedConfig, resolveConfig } from '../../src/config.js';
import { clientId, clientSecret, expectConnectorError } from '../support/kit.js';

/** The error `resolveConfig` throws for `raw`. */
const rejection = async (raw: unknown) =>
  expectConnectorError(
    new Promise((resolve) => {
      resolve(resolveConfig(raw));
    }),
    ConnectorErrorCodes.InvalidConfig
  );

const invalid = (problems: string) => ({
  errorDescription: `The Hugging Face connector's config is invalid. ${problems}`,
  step: 'config',
});

const hrefsOf = ({ endpoints }: ResolvedConfig) => ({
  issuer: endpoints.issuer,
  authorization: endpoints.authorization.href,
  token: endpoints.token.href,
  userInfo: endpoints.userInfo.href,
  jwks: endpoints.jwks.href,
});

const hubUrlOnlyProblem = 'hubUrl: hubUrl must not contain credentials, a query or a fragment.';
const notShaped = (quoted: string) =>
  `${quoted} is not shaped like a Hugging Face scope: lower-case letters and digits in words joined by single hyphens, starting with a letter, at most 64 characters (for example read-mcp).`;
const noSpacesInName = (quoted: string) =>
  `authorizedOrgs: ${quoted} is not a Hugging Face organization name: names have no spaces. Use the name in the organization's URL (huggingface.co/<name>), and separate entries with commas or line breaks.`;
const noOrganizationListed =
  'authorizedOrgs: authorizedOrgs lists no organization. Enter organization names or IDs separated by commas or line breaks, or empty the field to let everyone sign in.';
const notAnOrgId = (quoted: string) =>
  `orgIds: ${quoted} is not a Hugging Face organization ID: use the organization's 24-character ID (its "sub" in userinfo), not its name.`;

describe('a config the connector refuses', () => {
  it.each([
    ['a missing clientId', { clientId: undefined }, 'clientId: clientId is required.'],
    ['a blank clientId', { clientId: '   ' }, 'clientId: clientId is required.'],
    ['a missing clientSecret', { clientSecret: undefined }, 'clientSecret: clientSecret is required.'],
    // A blank secret is missing, not short: the length rule speaks only of a secret that was entered.
    ['an empty clientSecret', { clientSecret: '' }, 'clientSecret: clientSecret is required.'],
    ['a blank clientSecret', { clientSecret: ' \n ' }, 'clientSecret: clientSecret is required.'],
    ['a clientSecret that is a number', { clientSecret: 73_519_884_102 }, 'clientSecret: clientSecret must be text.'],
    [
      // Hugging Face issues 36-character secrets; a 15-character one is a truncated paste.
      'a clientSecret of 15 characters',
      { clientSecret: 'Short-Secret-9Q' },
      "clientSecret: clientSecret is shorter than 16 characters; Hugging Face's client secrets are 36. Copy the whole secret from the Hugging Face app's settings.",
    ],
    ['a scope listed twice', { scope: 'openid profile openid' }, 'scope: The scope "openid" is listed more than once.'],
    ['an extra scope of a bad shape', { extraScopes: 'read-mcp Read_Papers' }, `extraScopes: ${notShaped('"Read_Papers"')}`],
    [
      // Its own problem is the one to report, not the scope it would have allowed.
      'an extra scope of a bad shape beside a scope it would allow',
      { scope: 'profile read-papers', extraScopes: 'read-papers 2fa' },
      `extraScopes: ${notShaped('"2fa"')}`,
    ],
    ['extra scopes that are not text', { extraScopes: ['read-papers'] }, 'extraScopes: extraScopes must be text: scopes separated by spaces.'],
    ['a scope that is not text', { scope: ['openid', 'profile'] }, 'scope: scope must be text: scopes separated by spaces.'],
    ['orgIds that is not text', { orgIds: ['5e67bd5b1009063689407478'] }, 'orgIds: orgIds must be text: organization IDs separated by commas or spaces.'],
    ['a hubUrl that is not text', { hubUrl: 443 }, 'hubUrl: hubUrl must be text: an absolute URL, e.g. https://huggingface.co.'],
    ['an organization name in orgIds', { orgIds: 'huggingface' }, notAnOrgId('"huggingface"')],
    ['a 23-character orgId', { orgIds: '5e67bd5b1009063689407478 5e67bd5b100906368940747' }, notAnOrgId('"5e67bd5b100906368940747"')],
    ['a non-hex orgId', { orgIds: '5e67bd5b100906368940747z' }, notAnOrgId('"5e67bd5b100906368940747z"')],
    ['a hubUrl that is not a URL', { hubUrl: 'huggingface.co' }, 'hubUrl: hubUrl "huggingface.co" is not an absolute URL, e.g. https://huggingface.co.'],
    ['a plain http hubUrl on a public host', { hubUrl: 'http://huggingface.co' }, 'hubUrl: hubUrl must use https (plain http is allowed only for a loopback host).'],
    [
      'a plain http hubUrl on a name that starts like a loopback address',
      { hubUrl: 'http://127.0.0.1.example.com' },
      'hubUrl: hubUrl must use https (plain http is allowed only for a loopback host).',
    ],
    ['a hubUrl of another scheme on a loopback host', { hubUrl: 'ftp://localhost' }, 'hubUrl: hubUrl must use https (plain http is allowed only for a loopback host).'],
    ['a hubUrl with a user name only', { hubUrl: 'https://admin@hub.test' }, hubUrlOnlyProblem],
    ['a hubUrl with a password only', { hubUrl: 'https://:hunter22@hub.test' }, hubUrlOnlyProblem],
    ['a hubUrl with a query', { hubUrl: 'https://hub.test/?mirror=1' }, hubUrlOnlyProblem],
    ['a hubUrl with a fragment', { hubUrl: 'https://hub.test/#mirror' }, hubUrlOnlyProblem],
    ['a requestTimeoutMs below the minimum', { requestTimeoutMs: 499 }, 'requestTimeoutMs: requestTimeoutMs must be at least 500.'],
    ['a requestTimeoutMs above the maximum', { requestTimeoutMs: 30_001 }, 'requestTimeoutMs: requestTimeoutMs must be at most 30000.'],
    ['a requestTimeoutMs with a fraction', { requestTimeoutMs: 1500.5 }, 'requestTimeoutMs: requestTimeoutMs must be a whole number of milliseconds.'],
    // Out of range and a fraction: the range is the one problem named.
    ['a requestTimeoutMs with a fraction below the minimum', { requestTimeoutMs: 0.5 }, 'requestTimeoutMs: requestTimeoutMs must be at least 500.'],
    ['a requestTimeoutMs with a fraction above the maximum', { requestTimeoutMs: 30_000.5 }, 'requestTimeoutMs: requestTimeoutMs must be at most 30000.'],
    ['a requestTimeoutMs of "Infinity"', { requestTimeoutMs: 'Infinity' }, 'requestTimeoutMs: requestTimeoutMs must be at most 30000.'],
    ['a requestTimeoutMs of true', { requestTimeoutMs: true }, 'requestTimeoutMs: requestTimeoutMs must be a number of milliseconds.'],
    ['a requestTimeoutMs that is not a number', { requestTimeoutMs: 'soon' }, 'requestTimeoutMs: requestTimeoutMs must be a number of milliseconds.'],
    ['authorizedOrgs that is a number', { authorizedOrgs: 42 }, 'authorizedOrgs: authorizedOrgs must be text or a list of organization names or IDs.'],
    [
      'authorizedOrgs without the profile scope',
      { scope: 'openid email', authorizedOrgs: 'huggingface' },
      'authorizedOrgs: authorizedOrgs needs the "profile" scope, which returns the user\'s organizations: add it to scope.',
    ],
    ['an authorizedOrgs name with a space', { authorizedOrgs: 'ML Lab' }, noSpacesInName('"ML Lab"')],
    ['authorizedOrgs names separated by spaces', { authorizedOrgs: 'nobody-org acme-research' }, noSpacesInName('"nobody-org acme-research"')],
    ['an authorizedOrgs list entry with a space', { authorizedOrgs: ['acme-research', 'ML Lab'] }, noSpacesInName('"ML Lab"')],
    // An empty list would let everyone in; only an emptied field means that.
    ['authorizedOrgs of only separators', { authorizedOrgs: ' , ' }, noOrganizationListed],
    ['authorizedOrgs of only separators and line breaks', { authorizedOrgs: ',\n,' }, noOrganizationListed],
    ['an authorizedOrgs list of blank entries', { authorizedOrgs: [' ', ','] }, noOrganizationListed],
    [
      'an authorizedOrgs entry that is not a name, quoted without its control characters',
      { authorizedOrgs: 'acme\r\nInjectedLine,big/sc\u0000ience\u202e' },
      'authorizedOrgs: "big/sc ience " is not a Hugging Face organization name or ID.',
    ],
  ])('%s, with InvalidConfig and a readable message', async (_case, fields, problem) => {
    const error = await rejection({ clientId, clientSecret, ...fields });

    expect(error.data).toEqual(invalid(problem));
  });

  it('names every problem of a config with several, each after its key', async () => {
    const error = await rejection({ clientId: '', clientSecret, scope: 'admin' });

    expect(error.data.errorDescription).toContain(
      'is invalid. clientId: clientId is required. scope: Unknown Hugging Face scope "admin". Known scopes: openid, profile, email,'
    );
  });

  it.each([
    ['null', null, 'null'],
    ['a list', [clientId, clientSecret], 'array'],
    ['a text', 'clientId=x', 'string'],
  ])('says a config that is %s is not an object, without a key in front', async (_case, raw, received) => {
    const error = await rejection(raw);

    expect(error.data).toEqual(invalid(`Expected object, received ${received}`));
  });
});

describe('a config the connector takes', () => {
  it.each([
    ['no optional field', {}],
    [
      'blank and null fields, as an emptied console field holds',
      { scope: '  ', extraScopes: '', orgIds: '', authorizedOrgs: null, hubUrl: ' ', requestTimeoutMs: null },
    ],
    ['an emptied authorizedOrgs field', { authorizedOrgs: '' }],
    ['an authorizedOrgs field blank across lines', { authorizedOrgs: ' \n ' }],
  ])('with %s requests nothing beyond the defaults from https://huggingface.co, 5000 ms at a time', (_case, fields) => {
    const config = resolveConfig({ clientId, clientSecret, ...fields });

    expect(config).toMatchObject({ hubUrl: 'https://huggingface.co', timeoutMs: 5000 });
    for (const key of ['scope', 'extraScopes', 'orgIds', 'authorizedOrgs']) {
      expect(config).not.toHaveProperty(key, expect.anything());
    }
    expect(hrefsOf(config)).toEqual({
      issuer: 'https://huggingface.co',
      authorization: 'https://huggingface.co/oauth/authorize',
      token: 'https://huggingface.co/oauth/token',
      userInfo: 'https://huggingface.co/oauth/userinfo',
      jwks: 'https://huggingface.co/oauth/jwks',
    });
  });

  it('derives every endpoint from the hub URL, keeping its path without the trailing slash', () => {
    expect(hrefsOf(resolveConfig({ clientId, clientSecret, hubUrl: 'https://hub.test/mirror/' }))).toEqual({
      issuer: 'https://hub.test',
      authorization: 'https://hub.test/mirror/oauth/authorize',
      token: 'https://hub.test/mirror/oauth/token',
      userInfo: 'https://hub.test/mirror/oauth/userinfo',
      jwks: 'https://hub.test/mirror/oauth/jwks',
    });
  });

  it.each([
    ['a plain http hub on localhost', 'http://localhost:8080', 'http://localhost:8080/oauth/token'],
    ['a plain http hub on 127.0.0.1', 'http://127.0.0.1:9000', 'http://127.0.0.1:9000/oauth/token'],
    ['a plain http hub elsewhere in 127.0.0.0/8', 'http://127.8.9.10', 'http://127.8.9.10/oauth/token'],
    ['a plain http hub on [::1]', 'http://[::1]:7000', 'http://[::1]:7000/oauth/token'],
    ['a hub URL pasted between non-breaking spaces', '\u00A0https://hub.test/mirror\u00A0', 'https://hub.test/mirror/oauth/token'],
    ['a hub URL whose path is only slashes', 'https://hub.test///', 'https://hub.test/oauth/token'],
    [
      'a hub URL path ending in 100,000 slashes, in one pass',
      `https://hub.test/${'/'.repeat(100_000)}mirror${'/'.repeat(100_000)}`,
      `https://hub.test/${'/'.repeat(100_000)}mirror/oauth/token`,
    ],
  ])('takes %s', (_case, hubUrl, token) => {
    expect(resolveConfig({ clientId, clientSecret, hubUrl }).endpoints.token.href).toBe(token);
  });

  it.each([
    ['a client secret of 16 characters', { clientSecret: 'abcdefghijklmnop' }, { clientSecret: 'abcdefghijklmnop' }],
    [
      'a client secret that is a UUID, as Hugging Face issues',
      { clientSecret: '83c688e9-1429-4b0f-911b-dc145db70f34' },
      { clientSecret: '83c688e9-1429-4b0f-911b-dc145db70f34' },
    ],
    ['client credentials between spaces, trimmed', { clientId: ` ${clientId} `, clientSecret: `${clientSecret}\n` }, { clientId, clientSecret }],
    ['a requestTimeoutMs given as text', { requestTimeoutMs: '1500' }, { timeoutMs: 1500 }],
    [
      'a scope that names a scope extraScopes lists',
      { scope: 'profile read-papers', extraScopes: 'read-papers' },
      { scope: ['profile', 'read-papers'], extraScopes: ['read-papers'] },
    ],
    [
      'organization IDs separated by commas, spaces or line breaks, lower-cased, each once',
      { orgIds: ', 5E67BD5B1009063689407478,\n 65a1b2c3d4e5f60718293a4b ,5e67bd5b1009063689407478' },
      { orgIds: ['5e67bd5b1009063689407478', '65a1b2c3d4e5f60718293a4b'] },
    ],
    [
      'authorizedOrgs as a list whose entries hold several names',
      { authorizedOrgs: ['nobody-org,other-nobody', 'acme-research'] },
      { authorizedOrgs: ['nobody-org', 'other-nobody', 'acme-research'] },
    ],
  ])('reads %s', (_case, fields, expected) => {
    expect(resolveConfig({ clientId, clientSecret, ...fields })).toMatchObject(expected);
  });

  it.each([
    ['one name per line', 'nobody-org\nacme-research'],
    ['names separated by commas', 'nobody-org, acme-research'],
    ['separators mixed with blank lines', '\n nobody-org ,\n\n  acme-research \n'],
    ['a list', ['nobody-org', 'acme-research']],
  ])('reads authorizedOrgs given as %s', (_case, authorizedOrgs) => {
    expect(resolveConfig({ clientId, clientSecret, authorizedOrgs }).authorizedOrgs).toEqual(['nobody-org', 'acme-research']);
  });
});
