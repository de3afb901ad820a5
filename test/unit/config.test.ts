import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { resolveConfig } from '../../src/config.js';
import createConnector from '../../src/index.js';

import {
  clientId,
  clientSecret,
  createSessionStore,
  createTestConnector,
  expectConnectorError,
  isolateNetwork,
  startSignIn,
} from './fixtures.js';

isolateNetwork();

// Hugging Face's documented scopes (hub-docs oauth.md, August 2026), then read-mcp, which its own
// MCP server requests.
const knownScopeList =
  'openid, profile, email, read-billing, read-memberships, read-repos, gated-repos, contribute-repos, write-repos, manage-repos, read-collections, write-collections, inference-api, read-endpoints, write-endpoints, jobs, webhooks, write-discussions, read-mcp';

const extraScopesHint = 'For a scope Hugging Face added after this release, list it in extraScopes too.';

const withCredentials = (extra: Record<string, unknown>) => ({ clientId, clientSecret, ...extra });

describe('config rejections', () => {
  it.each([
    { case: 'missing clientId', raw: { clientSecret }, fragments: ['clientId: clientId is required.'] },
    {
      case: 'blank clientId',
      raw: { clientId: '   ', clientSecret },
      fragments: ['clientId: clientId is required.'],
    },
    { case: 'missing clientSecret', raw: { clientId }, fragments: ['clientSecret: clientSecret is required.'] },
    {
      case: 'blank clientSecret',
      raw: { clientId, clientSecret: '' },
      fragments: ['clientSecret: clientSecret is required.'],
    },
    {
      case: 'a comma-separated scope',
      raw: withCredentials({ scope: 'profile,email' }),
      fragments: ['separated by spaces, not commas: "profile,email"', `Known scopes: ${knownScopeList}.`],
    },
    {
      case: 'a duplicate scope',
      raw: withCredentials({ scope: 'openid profile openid' }),
      fragments: ['The scope "openid" is listed more than once.'],
    },
    {
      case: 'an unknown scope',
      raw: withCredentials({ scope: 'profile read-everything' }),
      fragments: [
        `scope: Unknown Hugging Face scope "read-everything". Known scopes: ${knownScopeList}. ${extraScopesHint}`,
      ],
    },
    {
      case: 'a mistyped scope',
      raw: withCredentials({ scope: 'openid profle' }),
      fragments: [`scope: Unknown Hugging Face scope "profle". Known scopes: ${knownScopeList}. ${extraScopesHint}`],
    },
    {
      case: 'a mistyped scope beside an extra scope',
      raw: withCredentials({ scope: 'profle read-papers', extraScopes: 'read-papers' }),
      fragments: ['scope: Unknown Hugging Face scope "profle".'],
    },
    {
      case: 'a scope listed in extraScopes with another spelling',
      raw: withCredentials({ scope: 'profile read-paper', extraScopes: 'read-papers' }),
      fragments: ['scope: Unknown Hugging Face scope "read-paper".'],
    },
    ...[
      ['with an underscore and capitals', 'Read_Papers'],
      ['with a leading hyphen', '-read-papers'],
      ['with a trailing hyphen', 'read-papers-'],
      ['with a double hyphen', 'read--papers'],
      ['starting with a digit', '2fa'],
      ['with a non-ASCII letter', 'r\u00E9ad-papers'],
      ['with a colon', 'read:papers', '"read:papers"'],
      // Quoted in at most 60 characters.
      ['of 65 characters', `read-${'p'.repeat(60)}`, `"read-${'p'.repeat(55)}…"`],
    ].map(([shape, extra, quoted]) => ({
      case: `an extra scope ${shape}`,
      raw: withCredentials({ extraScopes: `read-mcp ${extra}` }),
      fragments: [
        `extraScopes: ${quoted ?? `"${extra}"`} is not shaped like a Hugging Face scope: lower-case letters and digits in words joined by single hyphens, starting with a letter, at most 64 characters (for example read-mcp).`,
      ],
    })),
    {
      case: 'comma-separated extra scopes',
      raw: withCredentials({ extraScopes: 'read-papers,read-mcp' }),
      fragments: ['extraScopes: Scopes are separated by spaces, not commas: "read-papers,read-mcp"'],
    },
    {
      case: 'extra scopes that are not text',
      raw: withCredentials({ extraScopes: ['read-papers'] }),
      fragments: ['extraScopes: extraScopes must be text: scopes separated by spaces.'],
    },
    {
      case: 'an organization name in orgIds',
      raw: withCredentials({ orgIds: 'huggingface' }),
      fragments: ['"huggingface" is not a Hugging Face organization ID'],
    },
    {
      case: 'a 23-character orgId',
      raw: withCredentials({ orgIds: '5e67bd5b1009063689407478 5e67bd5b100906368940747' }),
      fragments: ['"5e67bd5b100906368940747" is not a Hugging Face organization ID'],
    },
    {
      case: 'a non-hex orgId',
      raw: withCredentials({ orgIds: '5e67bd5b100906368940747z' }),
      fragments: ['"5e67bd5b100906368940747z" is not a Hugging Face organization ID'],
    },
    {
      case: 'a hubUrl that is not a URL',
      raw: withCredentials({ hubUrl: 'huggingface.co' }),
      fragments: ['hubUrl: hubUrl "huggingface.co" is not an absolute URL'],
    },
    {
      case: 'a plain http hubUrl on a public host',
      raw: withCredentials({ hubUrl: 'http://huggingface.co' }),
      fragments: ['hubUrl: hubUrl must use https'],
    },
    {
      case: 'a hubUrl with credentials',
      raw: withCredentials({ hubUrl: 'https://admin:hunter22@hub.test' }),
      fragments: ['hubUrl: hubUrl must not contain credentials, a query or a fragment.'],
    },
    {
      case: 'a hubUrl with a user name only',
      raw: withCredentials({ hubUrl: 'https://admin@hub.test' }),
      fragments: ['hubUrl: hubUrl must not contain credentials, a query or a fragment.'],
    },
    {
      case: 'a hubUrl with a password only',
      raw: withCredentials({ hubUrl: 'https://:hunter22@hub.test' }),
      fragments: ['hubUrl: hubUrl must not contain credentials, a query or a fragment.'],
    },
    {
      case: 'a hubUrl with a query',
      raw: withCredentials({ hubUrl: 'https://hub.test/?mirror=1' }),
      fragments: ['hubUrl: hubUrl must not contain credentials, a query or a fragment.'],
    },
    {
      case: 'a requestTimeoutMs below the minimum',
      raw: withCredentials({ requestTimeoutMs: 499 }),
      fragments: ['requestTimeoutMs: requestTimeoutMs must be at least 500.'],
    },
    {
      case: 'a requestTimeoutMs above the maximum',
      raw: withCredentials({ requestTimeoutMs: 30_001 }),
      fragments: ['requestTimeoutMs: requestTimeoutMs must be at most 30000.'],
    },
    {
      case: 'a plain http hubUrl on a name that starts like a loopback address',
      raw: withCredentials({ hubUrl: 'http://127.0.0.1.example.com' }),
      fragments: ['hubUrl: hubUrl must use https'],
    },
    {
      case: 'a hubUrl of another scheme on a loopback host',
      raw: withCredentials({ hubUrl: 'ftp://localhost' }),
      fragments: ['hubUrl: hubUrl must use https'],
    },
    {
      case: 'authorizedOrgs that is a number',
      raw: withCredentials({ authorizedOrgs: 42 }),
      fragments: ['authorizedOrgs: authorizedOrgs must be text or a list of organization names or IDs.'],
    },
    {
      case: 'a requestTimeoutMs of true',
      raw: withCredentials({ requestTimeoutMs: true }),
      fragments: ['requestTimeoutMs: requestTimeoutMs must be a number of milliseconds.'],
    },
    {
      case: 'a requestTimeoutMs that is not a number',
      raw: withCredentials({ requestTimeoutMs: 'soon' }),
      fragments: ['requestTimeoutMs: requestTimeoutMs must be a number of milliseconds.'],
    },
    {
      case: 'authorizedOrgs without the profile scope',
      raw: withCredentials({ scope: 'openid email', authorizedOrgs: 'huggingface' }),
      fragments: ['authorizedOrgs: authorizedOrgs needs the "profile" scope'],
    },
    {
      case: 'an invalid authorizedOrgs entry',
      raw: withCredentials({ scope: 'openid', authorizedOrgs: 'huggingface, big/science' }),
      fragments: ['authorizedOrgs: "big/science" is not a Hugging Face organization name or ID.'],
    },
    {
      // Hugging Face issues 36-character secrets; a 15-character one is a truncated paste.
      case: 'a client secret of 15 characters',
      raw: { clientId, clientSecret: 'abcdefghijklmno' },
      fragments: ['clientSecret: clientSecret is shorter than 16 characters'],
    },
    {
      case: 'a one-character client secret',
      raw: { clientId, clientSecret: 'x' },
      fragments: ['clientSecret: clientSecret is shorter than 16 characters'],
    },
  ])('rejects $case with InvalidConfig and a readable message', async ({ raw, fragments }) => {
    const connector = await createTestConnector(raw);
    const store = createSessionStore();

    const error = await expectConnectorError(
      startSignIn(connector, store),
      ConnectorErrorCodes.InvalidConfig
    );

    expect(error.data.errorDescription).toMatch(/^The Hugging Face connector's config is invalid\. /);
    expect(error.data.step).toBe('config');
    for (const fragment of fragments) {
      expect(error.data.errorDescription).toContain(fragment);
    }
    expect(error.message).not.toContain(clientSecret);
    expect(JSON.stringify(error.data)).not.toContain(clientSecret);
    expect(store.setSession).not.toHaveBeenCalled();
  });

  it('does not echo a short client secret', async () => {
    const connector = await createTestConnector({ clientId, clientSecret: 'Short-Secret-9Q' });

    const error = await expectConnectorError(
      startSignIn(connector, createSessionStore()),
      ConnectorErrorCodes.InvalidConfig,
      'clientSecret is shorter than 16 characters'
    );

    expect(JSON.stringify(error.data)).not.toContain('Short-Secret-9Q');
    expect(error.message).not.toContain('Short-Secret-9Q');
  });

  it.each([
    ['scope', { scope: `profile ${'s'.repeat(200_000)}` }, 's'],
    ['orgIds', { orgIds: 'f'.repeat(200_000) }, 'f'],
    ['authorizedOrgs', { authorizedOrgs: `a/${'b'.repeat(200_000)}` }, 'b'],
    ['hubUrl', { hubUrl: `hub${'h'.repeat(200_000)}` }, 'h'],
  ])('quotes a huge bad %s briefly', async (_, extra, filler) => {
    const connector = await createTestConnector(withCredentials(extra));

    const error = await expectConnectorError(
      startSignIn(connector, createSessionStore()),
      ConnectorErrorCodes.InvalidConfig
    );

    // At most 60 characters of the input are quoted, then a "…".
    expect(error.data.errorDescription).toContain(filler.repeat(50));
    expect(error.data.errorDescription).not.toContain(filler.repeat(61));
    expect(error.data.errorDescription).toContain('…"');
  });

  it('quotes bad input without its control characters', async () => {
    const connector = await createTestConnector(
      withCredentials({ authorizedOrgs: 'acme\r\nInjectedLine,big/sc\u0000ience\u202e' })
    );

    const error = await expectConnectorError(
      startSignIn(connector, createSessionStore()),
      ConnectorErrorCodes.InvalidConfig,
      '"big/sc ience " is not a Hugging Face organization name or ID.'
    );

    // eslint-disable-next-line no-control-regex -- the test is that no control character is left
    expect(error.data.errorDescription).not.toMatch(/[\u0000-\u001F\u202E]/);
  });

  it('does not echo a client secret of the wrong type', async () => {
    const connector = await createTestConnector({ clientId, clientSecret: 73_519_884_102 });

    const error = await expectConnectorError(
      startSignIn(connector, createSessionStore()),
      ConnectorErrorCodes.InvalidConfig
    );

    expect(error.data.errorDescription).toContain('clientSecret: clientSecret must be text.');
    expect(JSON.stringify(error)).not.toContain('73519884102');
    expect(error.message).not.toContain('73519884102');
  });

  it('names every problem of a config with several', async () => {
    const connector = await createTestConnector({ clientId: '', clientSecret, scope: 'admin' });

    const error = await expectConnectorError(
      startSignIn(connector, createSessionStore()),
      ConnectorErrorCodes.InvalidConfig
    );

    // Each problem is a sentence of its own, after the key it is about.
    expect(error.data.errorDescription).toContain(
      'clientId: clientId is required. scope: Unknown Hugging Face scope "admin"'
    );
  });

  it.each([
    ['null', null, 'null'],
    ['a list', [clientId, clientSecret], 'array'],
    ['a text', 'clientId=x', 'string'],
  ])('says a config that is %s is not an object, without a key in front', (_, raw, received) => {
    expect(() => resolveConfig(raw)).toThrow(
      expect.objectContaining({
        code: ConnectorErrorCodes.InvalidConfig,
        data: {
          errorDescription: `The Hugging Face connector's config is invalid. Expected object, received ${received}`,
          step: 'config',
        },
      })
    );
  });
});

describe('config loading', () => {
  it('turns a failing getConfig into a General error that does not quote Logto\'s text', async () => {
    const connector = await createConnector({
      // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getConfig is async: its failure is a rejection
      getConfig: async () => {
        throw new Error(`database down, password=${clientSecret}`);
      },
    });

    const error = await expectConnectorError(
      startSignIn(connector, createSessionStore()),
      ConnectorErrorCodes.General,
      "Logto could not load the Hugging Face connector's config"
    );

    expect(JSON.stringify(error)).not.toContain('database down');
    expect(JSON.stringify(error)).not.toContain(clientSecret);
  });

  it('keeps the code of a ConnectorError that getConfig throws, as connector-kit\'s validateConfig does', async () => {
    const connector = await createConnector({
      // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getConfig is async: its failure is a rejection
      getConfig: async () => {
        throw new ConnectorError(ConnectorErrorCodes.InvalidConfig, 'clientId: Required');
      },
    });

    // connector-kit keeps a text as `data.message`; Logto shows that data as it is.
    await expect(startSignIn(connector, createSessionStore())).rejects.toEqual(
      expect.objectContaining({
        code: ConnectorErrorCodes.InvalidConfig,
        data: { message: 'clientId: Required' },
      })
    );
  });
});

describe('accepted configs', () => {
  it.each(['http://localhost:8080', 'http://127.0.0.1:9000', 'http://127.8.9.10', 'http://[::1]:7000'])(
    'accepts the plain http loopback hub %s',
    async (hubUrl) => {
      const connector = await createTestConnector(withCredentials({ hubUrl }));

      const url = await startSignIn(connector, createSessionStore());

      expect(`${url.origin}${url.pathname}`).toBe(`${hubUrl}/oauth/authorize`);
    }
  );

  it('requests the profile scope from https://huggingface.co by default', async () => {
    const connector = await createTestConnector({ clientId, clientSecret });

    const url = await startSignIn(connector, createSessionStore());

    expect(`${url.origin}${url.pathname}`).toBe('https://huggingface.co/oauth/authorize');
    expect(url.searchParams.get('scope')).toBe('profile');
  });

  it('treats blank and null fields as absent', async () => {
    const connector = await createTestConnector({
      clientId,
      clientSecret,
      scope: '  ',
      orgIds: '',
      authorizedOrgs: null,
      hubUrl: ' ',
      requestTimeoutMs: null,
    });

    const url = await startSignIn(connector, createSessionStore());

    expect(`${url.origin}${url.pathname}`).toBe('https://huggingface.co/oauth/authorize');
    expect(url.searchParams.get('scope')).toBe('profile');
    expect(url.searchParams.has('orgIds')).toBe(false);
  });

  it('requests read-mcp, which Hugging Face\'s own MCP server uses', async () => {
    const connector = await createTestConnector(withCredentials({ scope: 'profile read-mcp' }));

    const url = await startSignIn(connector, createSessionStore());

    expect(url.searchParams.get('scope')).toBe('profile read-mcp');
  });

  it('requests a scope outside the known list once extraScopes lists it', async () => {
    const connector = await createTestConnector(
      withCredentials({ scope: 'profile read-papers', extraScopes: ' read-papers\nwrite-papers ' })
    );

    const url = await startSignIn(connector, createSessionStore());

    expect(url.searchParams.get('scope')).toBe('profile read-papers');
  });

  it('accepts extra scopes of Hugging Face\'s shape up to 64 characters', () => {
    const longest = `read-${'p'.repeat(59)}`;

    const config = resolveConfig(withCredentials({ extraScopes: `x ${longest} read2-v2-papers` }));

    expect(config.extraScopes).toEqual(['x', longest, 'read2-v2-papers']);
  });

  it('accepts a known scope in extraScopes, so a release that learns a scope keeps the config valid', () => {
    const config = resolveConfig(withCredentials({ scope: 'openid profile', extraScopes: 'profile read-mcp' }));

    expect(config.scope).toEqual(['openid', 'profile']);
  });

  it('reads a scope typed with spaces, tabs or line breaks around and between the scopes', async () => {
    const connector = await createTestConnector(withCredentials({ scope: ' openid\tprofile \n email ' }));

    const url = await startSignIn(connector, createSessionStore());

    // RFC 6749 §3.3: the scope parameter is a list of scopes separated by single spaces.
    expect(url.searchParams.get('scope')).toBe('openid profile email');
  });

  it('accepts a 16-character client secret and a UUID one, as Hugging Face issues', () => {
    for (const secret of ['abcdefghijklmnop', '83c688e9-1429-4b0f-911b-dc145db70f34']) {
      expect(resolveConfig({ clientId, clientSecret: secret }).clientSecret).toBe(secret);
    }
  });

  it('trims the client credentials', () => {
    const config = resolveConfig({ clientId: ` ${clientId} `, clientSecret: `${clientSecret}\n` });

    expect(config.clientId).toBe(clientId);
    expect(config.clientSecret).toBe(clientSecret);
  });

  it('defaults the request timeout to 5000 ms and accepts a numeric text', () => {
    expect(resolveConfig({ clientId, clientSecret }).timeoutMs).toBe(5000);
    expect(resolveConfig(withCredentials({ requestTimeoutMs: '1500' })).timeoutMs).toBe(1500);
  });

  it(
    'drops the trailing slashes of a hub URL path of 100,000 slashes',
    () => {
      const manySlashes = `https://hub.test/${'/'.repeat(100_000)}mirror//`;

      const { endpoints } = resolveConfig(withCredentials({ hubUrl: manySlashes }));

      expect(endpoints.token.href).toBe(`https://hub.test/${'/'.repeat(100_000)}mirror/oauth/token`);
    }
  );

  it('takes a hub URL pasted between non-breaking spaces, and one whose path is only slashes', () => {
    const pasted = resolveConfig(withCredentials({ hubUrl: '\u00A0https://hub.test/mirror\u00A0' }));
    const slashes = resolveConfig(withCredentials({ hubUrl: 'https://hub.test///' }));

    expect(pasted.endpoints.token.href).toBe('https://hub.test/mirror/oauth/token');
    expect(slashes.endpoints.token.href).toBe('https://hub.test/oauth/token');
  });

  it('reads organization IDs separated by commas, spaces or line breaks, with separators at either end', () => {
    const first = '5e67bd5b1009063689407478';
    const second = '65a1b2c3d4e5f60718293a4b';

    const { orgIds } = resolveConfig(withCredentials({ orgIds: `, ${first},\n ${second} ,` }));

    expect(orgIds).toEqual([first, second]);
  });

  it('derives every endpoint from the hub URL, dropping a trailing slash', () => {
    const { endpoints } = resolveConfig(withCredentials({ hubUrl: 'https://hub.test/mirror/' }));

    expect({
      issuer: endpoints.issuer,
      authorization: endpoints.authorization.href,
      token: endpoints.token.href,
      userInfo: endpoints.userInfo.href,
      jwks: endpoints.jwks.href,
    }).toEqual({
      issuer: 'https://hub.test',
      authorization: 'https://hub.test/mirror/oauth/authorize',
      token: 'https://hub.test/mirror/oauth/token',
      userInfo: 'https://hub.test/mirror/oauth/userinfo',
      jwks: 'https://hub.test/mirror/oauth/jwks',
    });
  });
});
