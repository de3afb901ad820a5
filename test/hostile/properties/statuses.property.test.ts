/**
 * Property: every status from 100 to 599 at the token endpoint, and at the userinfo endpoint, with
 * bodies of any shape (echoing every secret the endpoint received, nested far past what Logto can
 * keep), ends as the model says: RFC 6749 5.1 and 5.2 for the token endpoint, whose request is
 * sent once; retries on 429 and 5xx, `SocialAccessTokenInvalid` on 401 and `InvalidResponse` for a
 * body that is not a usable userinfo at the userinfo endpoint. A 1xx other than 101 goes before a
 * final answer (see `answerWithStatusArb`); a 101 must end in `General`.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import fc from 'fast-check';
import { describe, it } from 'vitest';

import { type AnswerSpec, answerWithStatusArb, tokenBodySpecArb, userInfoBodySpecArb } from './generators.js';
import { createEndingTally, useHarness, validTokenAnswer, validUserInfoAnswer } from './harness.js';

/** Generated cases per status; SECURITY.md cites this number. */
const casesPerStatus = 3;

const harness = useHarness();

describe('hostile answers of every status', () => {
  it.each([
    {
      endpoint: 'token',
      answerWithStatus: (status: number) => answerWithStatusArb(status, tokenBodySpecArb(false)),
      steps: (answer: AnswerSpec) => ({ token: answer, userInfo: [{ answer: validUserInfoAnswer() }] }),
      // 401 always gives InvalidConfig; rarer endings (invalid_grant) are left to chance.
      reached: [ConnectorErrorCodes.InvalidResponse, ConnectorErrorCodes.InvalidConfig],
    },
    {
      endpoint: 'userinfo',
      answerWithStatus: (status: number) => answerWithStatusArb(status, userInfoBodySpecArb()),
      steps: (answer: AnswerSpec) => ({ token: { answer: validTokenAnswer() }, userInfo: [answer] }),
      reached: [ConnectorErrorCodes.SocialAccessTokenInvalid, ConnectorErrorCodes.InvalidResponse],
    },
  ])('at the $endpoint endpoint, from 100 to 599, with bodies of any shape', async ({
    answerWithStatus,
    steps,
    reached,
  }) => {
    const endings = createEndingTally();
    for (let status = 100; status <= 599; status++) {
      // eslint-disable-next-line no-await-in-loop
      await fc.assert(
        fc.asyncProperty(answerWithStatus(status), fc.boolean(), async (answer, hfShapedTokens) => {
          const ending = await harness.runResponseCase({
            hfShapedTokens,
            scope: 'profile',
            idTokenKind: 'valid',
            ...steps(answer),
          });
          endings.count(ending);
        }),
        { numRuns: casesPerStatus }
      );
    }
    endings.expectReached(['resolved', ConnectorErrorCodes.General, ...reached]);
  }, 600_000);
});
