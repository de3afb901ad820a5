import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { connectorError, withConnectorErrors } from '../../src/errors.js';
import {
  clientSecret,
  expectConnectorError,
  isolateNetwork,
  signInUpToUserInfo,
  userInfoEndpoint,
} from '../support/kit.js';

isolateNetwork();

const secret = 'errors-test-secret-71c3';

/** What `withConnectorErrors` throws for a call that told its redactor {@link secret}, then threw `thrown`. */
const failureOf = async (thrown: unknown) =>
  expectConnectorError(
    withConnectorErrors((redactor) => {
      redactor.hide(secret);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- one case is a failure that is not an Error
      return Promise.reject(thrown);
    }),
    thrown instanceof ConnectorError ? thrown.code : ConnectorErrorCodes.General
  );

describe('every error of a connector call', () => {
  it('is made with the description and the details given in its data, and the cause outside it', () => {
    const cause = new Error('socket hang up');

    const details = { step: 'token', status: undefined, error: 'server_error' } as const;

    const error = connectorError(ConnectorErrorCodes.General, 'Hugging Face did not answer.', details, cause);

    expect(error.code).toBe(ConnectorErrorCodes.General);
    expect(Object.entries(error.data as object)).toEqual([
      ['errorDescription', 'Hugging Face did not answer.'],
      ['step', 'token'],
      ['error', 'server_error'],
    ]);
    expect(error.cause).toBe(cause);
    expect(Object.keys(error)).not.toContain('cause');
  });

  it('keeps the code of a ConnectorError and redacts its data', async () => {
    const error = await failureOf(
      new ConnectorError(ConnectorErrorCodes.NotImplemented, { errorDescription: `sent ${secret}` })
    );

    expect(error.data).toEqual({ errorDescription: 'sent [redacted]' });
  });

  it.each([
    ['an Error', new RangeError(`store exploded at ${secret}`), 'RangeError'],
    ['a thrown text', `raw failure at ${secret}`, 'string'],
  ])('reaches Logto as General naming only the type of %s', async (_case, thrown, kind) => {
    const error = await failureOf(thrown);

    expect(error.data).toEqual({
      errorDescription: `The Hugging Face connector failed unexpectedly (${kind}). Try again; if it persists, report it with the time of the sign-in.`,
    });
  });

  it('keeps an unexpected Error as a non-enumerable cause, its message and stack redacted', async () => {
    const error = await failureOf(new RangeError(`store exploded at ${secret}`));

    expect(error.cause).toMatchObject({ name: 'RangeError', message: 'store exploded at [redacted]' });
    expect(String((error.cause as Error).stack)).toMatch(/^RangeError: store exploded at \[redacted\]\n/);
    expect(Object.keys(error)).not.toContain('cause');
  });

  it('hides every secret the sign-in has learnt, however late the error comes', async () => {
    const tokens = { access_token: 'at-sign-in-5d2e9a', refresh_token: 'rt-sign-in-91c2b7' };
    const signIn = await signInUpToUserInfo({}, tokens);
    userInfoEndpoint(signIn.hubUrl, tokens.access_token).reply(403, {
      error: 'insufficient_scope',
      error_description: `client_secret=${clientSecret} code=${signIn.code} code_verifier=${signIn.codeVerifier} access=${tokens.access_token} refresh=${tokens.refresh_token}`,
    });

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);

    expect(error.data.error_description).toBe(
      'client_secret=[redacted] code=[redacted] code_verifier=[redacted] access=[redacted] refresh=[redacted]'
    );
  });
});
