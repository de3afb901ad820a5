/**
 * Property: whatever data Logto posts to the callback after a real `getAuthorizationUri`, the
 * sign-in ends as RFC 6749 4.1.2 says (see the model), no secret reaches an error, and a
 * reflected error carries no control character.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { logtoCallbackUri, userId } from '../../support/kit.js';
import { classify, settle } from '../support.js';

import { asSent, callbackArb, fill, freshSecrets, secretForms } from './generators.js';
import {
  createEndingTally,
  expectContract,
  fillAnswer,
  useHarness,
  validTokenAnswer,
  validUserInfoAnswer,
} from './harness.js';
import { expectCallback } from './model.js';

/** Generated cases; SECURITY.md cites this number. */
const generatedCases = 3500;

const harness = useHarness();

describe('hostile callback data', () => {
  it('ends every callback as the model says, after a real getAuthorizationUri', async () => {
    const endings = createEndingTally();
    await fc.assert(
      fc.asyncProperty(callbackArb, async (template) => {
        const secrets = freshSecrets();
        const signIn = await harness.startCase(secrets);
        harness.program({
          token: fillAnswer(validTokenAnswer(), secrets),
          userInfo: [validUserInfoAnswer()],
        });
        const data: unknown = JSON.parse(fill(template, { code: secrets.code, state: signIn.state }));

        const outcome = await settle(signIn.connector.getUserInfo(data, signIn.store.getSession));

        const expected = expectCallback(data, signIn.state, userId);
        endings.count(classify(outcome));
        expectContract(outcome, expected, {
          clientSecret: secrets.secret,
          // A code counts as sent only when it is the callback's `code` (keys may repeat).
          ...((data as { code?: unknown } | null)?.code === secrets.code && { code: secrets.code }),
          codeVerifier: signIn.codeVerifier,
          accessToken: secrets.access,
          refreshToken: secrets.refresh,
        });
        const tokenRequests = harness.requestsTo('/oauth/token');
        if (!('resolved' in expected)) {
          expect(tokenRequests).toHaveLength(0);
          return;
        }
        expect(tokenRequests).toHaveLength(1);
        // RFC 6749 2.3.1: client_secret_basic with both parts form-encoded.
        expect(tokenRequests[0]?.headers.authorization).toBe(
          `Basic ${secretForms(secrets.secret).basicCredentials}`
        );
        expect(Object.fromEntries(new URLSearchParams(tokenRequests[0]?.body))).toEqual({
          grant_type: 'authorization_code',
          code: asSent((data as { code: string }).code),
          redirect_uri: logtoCallbackUri,
          code_verifier: signIn.codeVerifier,
        });
      }),
      { numRuns: generatedCases }
    );
    endings.expectReached([
      'resolved',
      ConnectorErrorCodes.InvalidRequestParameters,
      ConnectorErrorCodes.AuthorizationFailed,
      ConnectorErrorCodes.InvalidConfig,
      ConnectorErrorCodes.General,
    ]);
  }, 600_000);
});
