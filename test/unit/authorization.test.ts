import { createHash } from 'node:crypto';

import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import {
  clientId,
  clientSecret,
  expectConnectorError,
  isolateNetwork,
  logtoCallbackUri,
  startSignIn,
} from '../support/kit.js';

isolateNetwork();

describe('scope of the authorization request', () => {
  it.each([
    { case: 'profile when nothing names a scope', config: {}, scope: undefined, expected: 'profile' },
    { case: "the config's scope", config: { scope: 'openid  profile email' }, scope: undefined, expected: 'openid profile email' },
    { case: 'the per-request scope over the config', config: { scope: 'profile' }, scope: 'email inference-api', expected: 'email inference-api' },
    {
      case: 'a per-request scope naming a scope extraScopes lists',
      config: { scope: 'profile', extraScopes: 'read-papers' },
      scope: 'profile read-papers',
      expected: 'profile read-papers',
    },
    { case: "the config's scope when the per-request scope is blank", config: { scope: 'profile email' }, scope: ' ', expected: 'profile email' },
  ])('requests $case', async ({ config, scope, expected }) => {
    const { url, store } = await startSignIn({ config, scope });

    expect(url.searchParams.get('scope')).toBe(expected);
    expect(store.saved()?.scope).toEqual(expected.split(' '));
  });

  it('refuses a per-request scope Hugging Face does not know as InvalidRequestParameters, never quoting the client secret', async () => {
    const error = await expectConnectorError(
      startSignIn({ scope: `profile ${clientSecret}` }),
      ConnectorErrorCodes.InvalidRequestParameters,
      'Unknown Hugging Face scope "[redacted]".'
    );

    expect(error.data.step).toBe('authorization');
  });
});

describe('authorization URL', () => {
  it("points at the hub's authorize endpoint with exactly the OAuth parameters and the S256 challenge of the saved verifier", async () => {
    const { url, hubUrl, state, codeVerifier } = await startSignIn();

    expect(`${url.origin}${url.pathname}`).toBe(`${hubUrl}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: logtoCallbackUri,
      scope: 'profile',
      state,
      code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
  });

  it.each([
    { case: 'the config asks for openid', config: { scope: 'openid profile' }, scope: undefined },
    { case: 'only the per-request scope asks for openid', config: { scope: 'profile' }, scope: 'openid' },
  ])('sends a nonce, saved in the session, when $case', async ({ config, scope }) => {
    const { url, store } = await startSignIn({ config, scope });

    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(store.saved()?.nonce).toBe(url.searchParams.get('nonce'));
  });

  it('uses a fresh verifier and nonce for each sign-in', async () => {
    const config = { scope: 'openid' };
    const [first, second] = await Promise.all([startSignIn({ config }), startSignIn({ config })]);

    expect(first.codeVerifier).not.toBe(second.codeVerifier);
    expect(first.url.searchParams.get('code_challenge')).not.toBe(second.url.searchParams.get('code_challenge'));
    expect(first.nonce).not.toBe(second.nonce);
  });

  it('sends the configured organization IDs as camelCase orgIds, comma-joined', async () => {
    const { url } = await startSignIn({
      config: { orgIds: '5e67bd5b1009063689407478 60a76b174e24361791fe822d' },
    });

    expect(url.searchParams.get('orgIds')).toBe('5e67bd5b1009063689407478,60a76b174e24361791fe822d');
    expect(url.searchParams.has('org_ids')).toBe(false);
  });
});

describe('session of the sign-in', () => {
  it('holds the hub, the client, the redirect URI, the state, the verifier, the scope list and the nonce', async () => {
    const { url, store, hubUrl, state } = await startSignIn({ config: { scope: 'openid profile' } });

    expect(store.saved()).toEqual({
      hubUrl,
      clientId,
      redirectUri: logtoCallbackUri,
      state,
      codeVerifier: expect.stringMatching(/^[\w-]{43,128}$/),
      scope: ['openid', 'profile'],
      nonce: url.searchParams.get('nonce'),
    });
  });
});
