/**
 * Property: every userinfo endpoint status from 100 to 599, with bodies of any shape (nested far
 * past what Logto can keep, echoing the access token and the client secret), ends as the model
 * says: retries on 429 and 5xx, `SocialAccessTokenInvalid` on 401, `InvalidResponse` for a body
 * that is not a usable userinfo. 1xx statuses: see token-statuses.property.test.ts.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import fc from 'fast-check';
import { describe, it } from 'vitest';

import { answerWithStatusArb, userInfoBodySpecArb } from './generators.js';
import { createEndingTally, useHarness, validTokenAnswer } from './harness.js';

/** Generated cases per status; the README cites this number. */
const casesPerStatus = 3;

const harness = useHarness();

describe('hostile userinfo endpoint answers', () => {
  it('survives every userinfo endpoint status from 100 to 599 with bodies of any shape', async () => {
    const endings = createEndingTally();
    for (let status = 100; status <= 599; status++) {
      // eslint-disable-next-line no-await-in-loop
      await fc.assert(
        fc.asyncProperty(
          answerWithStatusArb(status, userInfoBodySpecArb()),
          fc.boolean(),
          async (userInfo, hfShapedTokens) => {
            endings.count(
              await harness.runResponseCase({
                hfShapedTokens,
                scope: 'profile',
                idTokenKind: 'valid',
                token: { answer: validTokenAnswer() },
                userInfo: [userInfo],
              })
            );
          }
        ),
        { numRuns: casesPerStatus }
      );
    }
    endings.expectReached([
      'resolved',
      ConnectorErrorCodes.SocialAccessTokenInvalid,
      ConnectorErrorCodes.InvalidResponse,
      ConnectorErrorCodes.General,
    ]);
    await harness.expectNoUnhandledRejection();
  }, 120_000);
});
