/**
 * Property: every token endpoint status from 100 to 599, with bodies of any shape (echoing the
 * client secret in every form it travelled, the code and the verifier), ends as RFC 6749 5.1 and
 * 5.2 say (see the model), and the code is sent once.
 *
 * Statuses 100-199: Node's HTTP client reads a 1xx answer as interim and waits for a final one,
 * so no 1xx except 101 can be final. Each is sent as an interim answer before a generated final
 * answer, and the model expects the final answer's outcome. A 101 is sent on its own: the client
 * sees a protocol switch and the connector must fail with `General`.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import fc from 'fast-check';
import { describe, it } from 'vitest';

import { answerWithStatusArb, tokenBodySpecArb } from './generators.js';
import { createEndingTally, useHarness, validUserInfoAnswer } from './harness.js';

/** Generated cases per status; the README cites this number. */
const casesPerStatus = 3;

const harness = useHarness();

describe('hostile token endpoint answers', () => {
  it('survives every token endpoint status from 100 to 599 with bodies of any shape', async () => {
    const endings = createEndingTally();
    for (let status = 100; status <= 599; status++) {
      // eslint-disable-next-line no-await-in-loop
      await fc.assert(
        fc.asyncProperty(
          answerWithStatusArb(status, tokenBodySpecArb('never')),
          fc.boolean(),
          async (token, hfShapedTokens) => {
            endings.count(
              await harness.runResponseCase({
                hfShapedTokens,
                scope: 'profile',
                idTokenKind: 'valid',
                token,
                userInfo: [{ answer: validUserInfoAnswer() }],
              })
            );
          }
        ),
        { numRuns: casesPerStatus }
      );
    }
    // 401 always gives InvalidConfig; rarer endings (invalid_grant) are left to chance.
    endings.expectReached([
      'resolved',
      ConnectorErrorCodes.InvalidResponse,
      ConnectorErrorCodes.InvalidConfig,
      ConnectorErrorCodes.General,
    ]);
    await harness.expectNoUnhandledRejection();
  }, 120_000);
});
