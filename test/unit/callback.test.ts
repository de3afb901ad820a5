/**
 * The callback as Logto posts it. The sign-in page checks `state` in the browser and posts the
 * query without it; the Account Center and API clients forward the whole query, `state` included
 * (the sources are named in `test/support/kit.ts`).
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import {
  clientSecret,
  expectConnectorError,
  isolateNetwork,
  signInUpToUserInfo,
  signInPageUri,
  startSignIn,
  userId,
  userInfoEndpoint,
} from '../support/kit.js';

isolateNetwork();

const requestedScope = 'profile email read-repos';

/** Starts a sign-in for {@link requestedScope} and posts `data` as its callback. */
const failedCallback = async (data: unknown, code: ConnectorErrorCodes) => {
  const { connector, store } = await startSignIn({ scope: requestedScope });
  return expectConnectorError(connector.getUserInfo(data, store.getSession), code);
};

describe('a callback with the code', () => {
  it.each([
    { case: "Logto's sign-in page, without state", post: 'signInPagePost' },
    { case: "Logto's Account Center, with state and a redirect URI of its own", post: 'accountCenterPost' },
  ] as const)('posted by $case completes the sign-in with the redirect URI of the session', async ({ post }) => {
    const signIn = await signInUpToUserInfo();
    userInfoEndpoint(signIn.hubUrl).reply(200, { sub: userId, preferred_username: 'ada' });

    await expect(signIn.finish(signIn[post])).resolves.toMatchObject({ id: userId, name: 'ada' });
  });

  it.each([
    { case: 'another sign-in’s state', state: 'logto-state-of-another-sign-in' },
    { case: 'an empty state', state: '' },
    { case: 'the state in another case', state: 'LOGTO-STATE-FORWARDED' },
  ])('is refused with $case as AuthorizationFailed, before anything is sent', async ({ state }) => {
    const signIn = await startSignIn({ state: 'logto-state-forwarded' });

    const error = await expectConnectorError(
      signIn.finish({ ...signIn.accountCenterPost, state }),
      ConnectorErrorCodes.AuthorizationFailed
    );

    expect(error.data).toEqual({
      errorDescription: 'The callback state does not match the sign-in that was started. Start the sign-in again.',
      step: 'callback',
    });
  });
});

describe('an error in the callback', () => {
  const scopeRefused = `Hugging Face refused the requested scope "${requestedScope}". Enable each of these scopes in the Hugging Face app's settings (huggingface.co/settings/applications), or remove the missing ones from the connector's scope.`;
  const instead = 'Hugging Face returned an error instead of an authorization code:';

  it.each([
    {
      case: 'access_denied as AuthorizationFailed',
      posted: { error: 'access_denied', error_description: 'The user denied access' },
      code: ConnectorErrorCodes.AuthorizationFailed,
      data: {
        errorDescription: 'The user cancelled the sign-in on Hugging Face or did not grant access.',
        error: 'access_denied',
        error_description: 'The user denied access',
      },
    },
    {
      case: 'invalid_scope as InvalidConfig naming the requested scope',
      posted: { error: 'invalid_scope' },
      code: ConnectorErrorCodes.InvalidConfig,
      data: { errorDescription: scopeRefused, error: 'invalid_scope' },
    },
    {
      case: 'an error whose description speaks of a scope as InvalidConfig',
      posted: { error: 'invalid_request', error_description: 'Scope read-repos is not allowed' },
      code: ConnectorErrorCodes.InvalidConfig,
      data: { errorDescription: scopeRefused, error: 'invalid_request', error_description: 'Scope read-repos is not allowed' },
    },
    {
      case: 'any other error as General with its description',
      posted: { error: 'server_error', error_description: 'Temporarily unavailable' },
      code: ConnectorErrorCodes.General,
      data: {
        errorDescription: `${instead} server_error (Temporarily unavailable).`,
        error: 'server_error',
        error_description: 'Temporarily unavailable',
      },
    },
    {
      case: 'an error without a description by its code alone',
      posted: { error: 'server_error' },
      code: ConnectorErrorCodes.General,
      data: { errorDescription: `${instead} server_error.`, error: 'server_error' },
    },
    {
      case: 'a description of 4,000 characters cut to 200',
      posted: { error: 'server_error', error_description: 'x'.repeat(4000) },
      code: ConnectorErrorCodes.General,
      data: {
        errorDescription: `${instead} server_error (${'x'.repeat(200)}…).`,
        error: 'server_error',
        error_description: `${'x'.repeat(200)}…`,
      },
    },
    {
      case: 'an error with line breaks and HTML without its control characters',
      posted: {
        error: 'server_error\r\nSet-Cookie: session=stolen',
        error_description: 'bad\r\n<script>alert(1)</script>\u0000\u2028end',
      },
      code: ConnectorErrorCodes.General,
      data: {
        errorDescription: `${instead} server_error  Set-Cookie: session=stolen (bad  <script>alert(1)</script>  end).`,
        error: 'server_error  Set-Cookie: session=stolen',
        error_description: 'bad  <script>alert(1)</script>  end',
      },
    },
    {
      case: 'an error sent beside a code, which wins, without echoing the code or the client secret',
      posted: { code: 'hf-code-echoed-7c1d', error: 'server_error', error_description: `code hf-code-echoed-7c1d refused for ${clientSecret}` },
      code: ConnectorErrorCodes.General,
      data: {
        errorDescription: `${instead} server_error (code [redacted] refused for [redacted]).`,
        error: 'server_error',
        error_description: 'code [redacted] refused for [redacted]',
      },
    },
  ])('reports $case', async ({ posted, code, data }) => {
    const error = await failedCallback({ ...posted, redirectUri: signInPageUri }, code);

    expect(error.data).toEqual({ ...data, step: 'callback' });
  });
});

describe('a callback without a usable code', () => {
  it('is refused as AuthorizationFailed when it has neither code nor error', async () => {
    const error = await failedCallback({ redirectUri: signInPageUri }, ConnectorErrorCodes.AuthorizationFailed);

    expect(error.data).toEqual({
      errorDescription: 'The callback from Hugging Face carries neither an authorization code nor an error.',
      step: 'callback',
    });
  });

  it.each([
    { case: 'a string', data: 'code=hf-code&state=logto-state' },
    { case: 'null', data: null },
    { case: 'undefined', data: undefined },
    { case: 'an array', data: ['hf-code', 'logto-state'] },
    { case: 'an array of the right object', data: [{ code: 'hf-code' }] },
    { case: 'a number', data: 42 },
    { case: 'a number as code', data: { code: 12_345 } },
    { case: 'an array as code', data: { code: ['hf-code', 'second'] } },
    { case: 'an object as state', data: { code: 'hf-code', state: { value: 'logto-state' } } },
    { case: 'a number as error', data: { error: 500 } },
    { case: 'a code of 5,000 characters', data: { code: 'c'.repeat(5000) } },
    { case: 'an error_description of 5,000 characters', data: { error: 'server_error', error_description: 'd'.repeat(5000) } },
  ])('is refused as InvalidRequestParameters when it is $case', async ({ data }) => {
    const error = await failedCallback(data, ConnectorErrorCodes.InvalidRequestParameters);

    expect(error.data).toEqual({
      errorDescription:
        'The callback data is malformed: code, state, error and error_description must be short texts.',
      step: 'callback',
    });
  });
});
