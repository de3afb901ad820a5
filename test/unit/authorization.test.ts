import { createHash } from 'node:crypto';

import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import {
  clientId,
  clientSecret,
  createSessionStore,
  createTestConnector,
  expectConnectorError,
  hubUrlFor,
  isolateNetwork,
  recordUnmatchedRequests,
  redirectUri,
  startSignIn,
  state,
} from './fixtures.js';

isolateNetwork();

const hubUrl = hubUrlFor('authorization');
const configWith = (extra: Record<string, unknown> = {}) => ({
  clientId,
  clientSecret,
  hubUrl,
  ...extra,
});

const signInUrl = async (extra: Record<string, unknown> = {}, scope?: string) => {
  const store = createSessionStore();
  const url = await startSignIn(await createTestConnector(configWith(extra)), store, scope);
  return { url, store, session: await store.getSession() };
};

describe('scope of the authorization request', () => {
  it.each([
    { case: 'profile when nothing names a scope', extra: {}, override: undefined, expected: 'profile' },
    {
      case: "the config's scope",
      extra: { scope: 'openid  profile email' },
      override: undefined,
      expected: 'openid profile email',
    },
    {
      case: 'the per-request override over the config',
      extra: { scope: 'profile' },
      override: 'email inference-api',
      expected: 'email inference-api',
    },
    {
      case: 'an override naming a scope the config lists in extraScopes',
      extra: { scope: 'profile', extraScopes: 'read-papers' },
      override: 'profile read-papers',
      expected: 'profile read-papers',
    },
    {
      case: "the config's scope when the override is blank",
      extra: { scope: 'profile email' },
      override: ' ',
      expected: 'profile email',
    },
  ])('requests $case', async ({ extra, override, expected }) => {
    const { url, session } = await signInUrl(extra, override);

    expect(url.searchParams.get('scope')).toBe(expected);
    expect(session.scope).toEqual(expected.split(' '));
  });

  it.each([
    { override: 'profile,email', fragment: 'separated by spaces, not commas: "profile,email"' },
    {
      override: 'profile admin',
      fragment:
        'Unknown Hugging Face scope "admin". Known scopes: openid, profile, email, read-billing, read-memberships, read-repos, gated-repos, contribute-repos, write-repos, manage-repos, read-collections, write-collections, inference-api, read-endpoints, write-endpoints, jobs, webhooks, write-discussions, read-mcp. For a scope Hugging Face added after this release, list it in extraScopes too.',
    },
    { override: 'email email', fragment: 'The scope "email" is listed more than once.' },
  ])('rejects the override "$override" with InvalidRequestParameters', async ({ override, fragment }) => {
    const store = createSessionStore();
    const connector = await createTestConnector(configWith());

    const error = await expectConnectorError(
      startSignIn(connector, store, override),
      ConnectorErrorCodes.InvalidRequestParameters
    );

    expect(error.data.errorDescription).toContain(fragment);
    expect(error.data.step).toBe('authorization');
    expect(store.setSession).not.toHaveBeenCalled();
  });

  it('quotes a 200 KB bad override in at most 60 characters', async () => {
    const connector = await createTestConnector(configWith());

    const error = await expectConnectorError(
      startSignIn(connector, createSessionStore(), `profile ${'q'.repeat(200_000)}`),
      ConnectorErrorCodes.InvalidRequestParameters
    );

    expect(error.data.errorDescription).toContain(`Unknown Hugging Face scope "${'q'.repeat(60)}…"`);
    expect(error.data.errorDescription.length).toBeLessThan(600);
  });
});

describe('authorization URL', () => {
  it("points at the hub's authorize endpoint with exactly the OAuth and PKCE parameters", async () => {
    const { url, session } = await signInUrl();

    expect(`${url.origin}${url.pathname}`).toBe(`${hubUrl}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'profile',
      state,
      code_challenge: expect.any(String),
      code_challenge_method: 'S256',
    });
    expect(session.redirectUri).toBe(redirectUri);
  });

  it('never puts the client secret in the URL', async () => {
    const { url } = await signInUrl();

    expect(url.href).not.toContain(clientSecret);
  });

  it('sends the S256 challenge of the verifier saved in the session', async () => {
    const { url, session } = await signInUrl();

    expect(session.codeVerifier).toMatch(/^[\w-]{43,128}$/);
    const expected = createHash('sha256')
      .update(String(session.codeVerifier))
      .digest('base64url');
    expect(url.searchParams.get('code_challenge')).toBe(expected);
  });

  it('uses a fresh verifier on each call', async () => {
    const connector = await createTestConnector(configWith());
    const first = createSessionStore();
    const second = createSessionStore();

    const firstUrl = await startSignIn(connector, first);
    const secondUrl = await startSignIn(connector, second);

    const firstVerifier = (await first.getSession()).codeVerifier;
    const secondVerifier = (await second.getSession()).codeVerifier;
    expect(firstVerifier).not.toBe(secondVerifier);
    expect(firstUrl.searchParams.get('code_challenge')).not.toBe(
      secondUrl.searchParams.get('code_challenge')
    );
  });

  it('sends a nonce saved in the session when the scope contains openid', async () => {
    const { url, session } = await signInUrl({ scope: 'openid profile' });

    expect(session.nonce).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('nonce')).toBe(session.nonce);
  });

  it('sends a nonce when only the override asks for openid', async () => {
    const { url, session } = await signInUrl({ scope: 'profile' }, 'openid');

    expect(url.searchParams.get('nonce')).toBe(session.nonce);
    expect(session.nonce).toEqual(expect.any(String));
  });

  it('sends no nonce without openid', async () => {
    const { url, session } = await signInUrl({ scope: 'profile email' });

    expect(url.searchParams.has('nonce')).toBe(false);
    expect(session).not.toHaveProperty('nonce');
  });

  it('sends the configured organization ids as camelCase orgIds, lower-cased and comma-joined', async () => {
    const { url } = await signInUrl({
      orgIds: '5E67BD5B1009063689407478, 60a76b174e24361791fe822d 5e67bd5b1009063689407478',
    });

    expect(url.searchParams.get('orgIds')).toBe('5e67bd5b1009063689407478,60a76b174e24361791fe822d');
    expect(url.searchParams.has('org_ids')).toBe(false);
  });

  it('sends no orgIds when none are configured', async () => {
    const { url } = await signInUrl();

    expect(url.searchParams.has('orgIds')).toBe(false);
  });

  it('keeps the path prefix of the hub URL', async () => {
    const { url } = await signInUrl({ hubUrl: 'https://hub-mirror.test/hf/' });

    expect(`${url.origin}${url.pathname}`).toBe('https://hub-mirror.test/hf/oauth/authorize');
  });
});

describe('session of the sign-in', () => {
  it('is saved with exactly one setSession call holding the hub, client, redirectUri, state, verifier, scope and nonce', async () => {
    const { url, store } = await signInUrl({ scope: 'openid profile' });

    expect(store.setSession).toHaveBeenCalledTimes(1);
    expect(store.setSession).toHaveBeenCalledWith({
      hubUrl,
      clientId,
      redirectUri,
      state,
      codeVerifier: expect.stringMatching(/^[\w-]{43,128}$/),
      scope: ['openid', 'profile'],
      nonce: url.searchParams.get('nonce'),
    });
  });

  it('holds no nonce key without openid', async () => {
    const { store } = await signInUrl();

    expect(store.setSession).toHaveBeenCalledTimes(1);
    expect(Object.keys(store.setSession.mock.calls[0]?.[0] ?? {}).sort()).toEqual([
      'clientId',
      'codeVerifier',
      'hubUrl',
      'redirectUri',
      'scope',
      'state',
    ]);
  });

  it('makes no network request', async () => {
    const unmatched = recordUnmatchedRequests();

    await signInUrl({ scope: 'openid profile' });

    unmatched.stop();
    expect(unmatched.requests).toEqual([]);
  });
});
