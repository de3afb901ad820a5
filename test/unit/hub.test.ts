/**
 * How Hugging Face's answers are read. An OAuth error's `error` and `error_description` (RFC 6749
 * §5.2), or the start of another body, reach Logto with the status, cut to 300 characters, every
 * secret and anything shaped like a Hugging Face token replaced by `[redacted]` (SECURITY.md).
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import {
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

/** Tokens a careless hub sends beside an error. */
const leaked = { access_token: 'leaked-access-9d8c7b6a', refresh_token: 'leaked-refresh-1a2b3c4d', id_token: 'leaked-id-5e6f7a8b' };

type Body = string | Record<string, unknown>;

/**
 * Starts a sign-in, answers its code exchange with `status` and `body` (made from the sign-in's
 * secrets when it is a function), and returns the error it ends with, checked to hold no secret.
 */
const tokenErrorFor = async (status: number, body: Body | ((signIn: StartedSignIn) => Body)) => {
  const signIn = await startSignIn();
  tokenEndpoint(signIn).reply(status, typeof body === 'function' ? body(signIn) : body);
  const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);
  for (const secret of [clientSecret, signIn.code, signIn.codeVerifier, ...Object.values(leaked)]) {
    expect(JSON.stringify(error) + String(error)).not.toContain(secret);
  }
  return error;
};

describe("Hugging Face's error text", () => {
  it.each<[string, number, Body | ((signIn: StartedSignIn) => Body), { error?: string; error_description?: string }]>([
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
    [
      'the client secret, the code and the PKCE verifier',
      400,
      ({ code, codeVerifier }) => ({ error: 'x', error_description: `client ${clientSecret} sent code ${code} with ${codeVerifier} end` }),
      { error: 'x', error_description: 'client [redacted] sent code [redacted] with [redacted] end' },
    ],
    [
      'a secret anywhere, however often, in error too',
      400,
      { error: `x${clientSecret}`, error_description: `${clientSecret}${clientSecret} and ${clientSecret}` },
      { error: 'x[redacted]', error_description: '[redacted][redacted] and [redacted]' },
    ],
    [
      'tokens beside the error',
      500,
      { error: 'server_error', error_description: `issued ${Object.values(leaked).join(' ')} anyway`, ...leaked },
      { error: 'server_error', error_description: 'issued [redacted] [redacted] [redacted] anyway' },
    ],
    ['a token the connector never saw', 400, { error_description: 'hf_someoneElsesToken_9a8b7c is not yours' }, { error_description: '[redacted] is not yours' }],
    ['a word that merely starts like a token', 400, { error_description: 'see hf_docs for help' }, { error_description: 'see hf_docs for help' }],
  ])('%s (%i): error and error_description as Logto gets them', async (_case, status, body, said) => {
    const error = await tokenErrorFor(status, body);

    // Secrets, and anything shaped like a Hugging Face token, are replaced by [redacted].
    expect(error.data).toMatchObject({ step: 'token', status });
    expect({ error: error.data.error, error_description: error.data.error_description }).toEqual(said);
  });

  it.each<[number, string | Record<string, unknown>, string]>([
    [400, { error: 'invalid_request', error_description: 'Missing code.' }, '400 (invalid_request: Missing code.).'],
    [400, { error: 'unsupported_grant_type' }, '400 (unsupported_grant_type).'],
  ])('a %i with %j reads "… answered %s"', async (status, body, message) => {
    const error = await tokenErrorFor(status, body);

    expect(error.data.errorDescription).toBe(`Hugging Face's token endpoint answered ${message}`);
  });
});

it.each([
  ...[300, 301, 302, 303, 307, 308].map((status) => [
    status,
    `Hugging Face's userinfo endpoint answered with a redirect (${status}), which is not followed. Check the hub URL.`,
  ]),
  // Nothing was asked conditionally: a 304 is an unexpected status (RFC 9110 §15.4.5).
  [304, "Hugging Face's userinfo endpoint answered 304."],
] as Array<[number, string]>)('a redirect is neither followed nor retried: %i from userinfo reads %j', async (status, message) => {
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
