/**
 * How Hugging Face's answers are read, and what an operator reads of them. RFC 6749 §5.2 defines
 * an error response as a JSON object with `error` and an optional `error_description`; SECURITY.md
 * documents that the connector passes both on with the HTTP status, cut to 300 characters, with
 * every secret of the sign-in and anything shaped like a Hugging Face token (`hf_…`) replaced by
 * `[redacted]`, and that a body that is not an OAuth error still shows its start. Redirects (any
 * 3xx but 304) are never followed.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import {
  accessToken,
  clientSecret,
  expectConnectorError,
  isolateNetwork,
  script,
  signInUpToUserInfo,
  type StartedSignIn,
  startSignIn,
  tokenEndpoint,
  userId,
  userInfoEndpoint,
} from '../support/kit.js';

isolateNetwork();

/** Starts a sign-in, answers its code exchange with `status` and `body`, and returns the error it ends with. */
const tokenErrorFor = async (status: number, body: string | Record<string, unknown>) => {
  const signIn = await startSignIn();
  tokenEndpoint(signIn).reply(status, body);
  return expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);
};

describe("Hugging Face's error text", () => {
  it.each<[string, number, string | Record<string, unknown>, { error?: string; error_description?: string }]>([
    ['an OAuth error', 400, { error: 'invalid_request', error_description: 'Missing code.' }, { error: 'invalid_request', error_description: 'Missing code.' }],
    ['only error', 400, { error: 'unsupported_grant_type' }, { error: 'unsupported_grant_type' }],
    ['only error_description', 500, { error_description: 'Database unavailable' }, { error_description: 'Database unavailable' }],
    ['an empty error', 400, { error: '', error_description: 'Something failed' }, { error_description: 'Something failed' }],
    ['a number as error', 400, { error: 400, detail: 'x' }, { error_description: '{"error":400,"detail":"x"}' }],
    ['a list as error_description', 400, { error_description: ['a', 'b'] }, { error_description: '{"error_description":["a","b"]}' }],
    ['no OAuth field', 400, { message: 'Bad Request' }, { error_description: '{"message":"Bad Request"}' }],
    ['a JSON list', 400, '["invalid_request"]', { error_description: '["invalid_request"]' }],
    ['JSON null', 502, 'null', { error_description: 'null' }],
    ['text between blanks', 503, '\n  Service Unavailable  \n', { error_description: 'Service Unavailable' }],
    ['a blank body', 500, '   ', {}],
    ['a description of 300 characters', 400, { error_description: 'd'.repeat(300) }, { error_description: 'd'.repeat(300) }],
    ['a longer description', 400, { error_description: `${'a'.repeat(300)}b` }, { error_description: `${'a'.repeat(300)}…` }],
    ['a longer error', 400, { error: 'e'.repeat(1000) }, { error: `${'e'.repeat(300)}…` }],
    ['a longer text', 500, 't'.repeat(5000), { error_description: `${'t'.repeat(300)}…` }],
    [
      'token fields that are not text',
      500,
      { error: 'server_error', error_description: 'store down', access_token: 12_345, refresh_token: null, id_token: { kid: 'k1' } },
      { error: 'server_error', error_description: 'store down' },
    ],
  ])('%s (%i) is passed on as %j', async (_case, status, body, said) => {
    const error = await tokenErrorFor(status, body);

    expect(error.data).toMatchObject({ step: 'token', status });
    expect({ error: error.data.error, error_description: error.data.error_description }).toEqual(said);
  });

  it.each<[number, string | Record<string, unknown>, string]>([
    [400, { error: 'invalid_request', error_description: 'Missing code.' }, '400 (invalid_request: Missing code.).'],
    [400, { error: 'unsupported_grant_type' }, '400 (unsupported_grant_type).'],
    [503, 'Service Unavailable', '503 (Service Unavailable).'],
    [500, '   ', '500.'],
  ])('a %i with %j reads "… answered %s"', async (status, body, message) => {
    const error = await tokenErrorFor(status, body);

    expect(error.data.errorDescription).toBe(`Hugging Face's token endpoint answered ${message}`);
  });
});

describe('secrets in what Hugging Face says', () => {
  const leaked = { access_token: 'leaked-access-9d8c7b6a', refresh_token: 'leaked-refresh-1a2b3c4d', id_token: 'leaked-id-5e6f7a8b' };

  it.each<[string, (signIn: StartedSignIn) => Record<string, unknown>, Record<string, string>]>([
    [
      'the client secret, the code and the PKCE verifier',
      ({ code, codeVerifier }) => ({ error: 'x', error_description: `client ${clientSecret} sent code ${code} with ${codeVerifier} end` }),
      { error: 'x', error_description: 'client [redacted] sent code [redacted] with [redacted] end' },
    ],
    [
      'a secret wherever and however often it appears, in error too',
      () => ({ error: `x${clientSecret}`, error_description: `${clientSecret}${clientSecret} and ${clientSecret}` }),
      { error: 'x[redacted]', error_description: '[redacted][redacted] and [redacted]' },
    ],
    [
      'a Hugging Face token the connector never saw',
      () => ({ error: 'invalid_request', error_description: 'token hf_someoneElsesToken_9a8b7c is not yours' }),
      { error: 'invalid_request', error_description: 'token [redacted] is not yours' },
    ],
    [
      'no word that merely starts like a token',
      () => ({ error: 'invalid_request', error_description: 'see hf_docs for help' }),
      { error: 'invalid_request', error_description: 'see hf_docs for help' },
    ],
    [
      'tokens the error body carries beside the error',
      () => ({ error: 'server_error', error_description: `issued ${Object.values(leaked).join(' ')} anyway`, ...leaked }),
      { error: 'server_error', error_description: 'issued [redacted] [redacted] [redacted] anyway' },
    ],
  ])('at the token endpoint: redacts %s', async (_case, body, said) => {
    const signIn = await startSignIn();
    tokenEndpoint(signIn).reply(400, body(signIn));

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);

    expect({ error: error.data.error, error_description: error.data.error_description }).toEqual(said);
    for (const secret of [clientSecret, signIn.code, signIn.codeVerifier, ...Object.values(leaked)]) {
      expect(JSON.stringify(error) + String(error)).not.toContain(secret);
    }
  });

  it('at the userinfo endpoint: redacts the access token, the client secret and the code', async () => {
    const signIn = await signInUpToUserInfo();
    userInfoEndpoint(signIn.hubUrl).reply(403, {
      error: 'insufficient_scope',
      error_description: `token ${accessToken} of ${clientSecret} for ${signIn.code} lacks scope`,
    });

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);

    expect(error.data).toMatchObject({
      step: 'userinfo',
      status: 403,
      error: 'insufficient_scope',
      error_description: 'token [redacted] of [redacted] for [redacted] lacks scope',
    });
    expect(JSON.stringify(error) + String(error)).not.toMatch(new RegExp(`${accessToken}|${clientSecret}|${signIn.code}`));
  });
});

describe('redirects', () => {
  it.each([
    ...[300, 301, 302, 303, 307, 308].map((status) => [
      status,
      `Hugging Face's userinfo endpoint answered with a redirect (${status}), which is not followed. Check the hub URL.`,
    ]),
    // Nothing was asked conditionally: a 304 is an unexpected status (RFC 9110 §15.4.5).
    [304, "Hugging Face's userinfo endpoint answered 304."],
  ] as Array<[number, string]>)('a %i from userinfo is neither followed nor retried: %s', async (status, message) => {
    const signIn = await signInUpToUserInfo();
    const elsewhere = nock('https://elsewhere.test').get(/.*/).reply(200, { sub: userId });
    const { seen } = script(userInfoEndpoint(signIn.hubUrl), {
      status,
      headers: { location: 'https://elsewhere.test/oauth/userinfo' },
    });

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);

    expect(error.data).toMatchObject({ errorDescription: message, step: 'userinfo', status });
    expect(seen).toHaveLength(1);
    expect(elsewhere.isDone()).toBe(false);
  });
});
