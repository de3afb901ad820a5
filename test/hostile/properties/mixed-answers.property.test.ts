/**
 * Property: a whole sign-in against mixed token, ID token and userinfo answers (retries and
 * interim 1xx answers included) ends as the model says: any ID token is verified (OpenID Connect
 * Core 3.1.3.7), one is owed for `openid`, and its subject must be the userinfo's.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import fc from 'fast-check';
import { describe, it } from 'vitest';

import {
  answerArb,
  type IdTokenKind,
  mostlySuccessfulStatusArb,
  tokenBodySpecArb,
  userInfoBodySpecArb,
} from './generators.js';
import { createEndingTally, useHarness } from './harness.js';

/** Generated cases; SECURITY.md cites this number. */
const generatedCases = 1000;

const harness = useHarness();

const userInfoAnswerArb = fc
  .tuple(
    answerArb(mostlySuccessfulStatusArb, userInfoBodySpecArb(20)),
    fc.option(fc.constantFrom(100, 102, 103, 150), { nil: undefined })
  )
  .map(([spec, interim]) =>
    interim === undefined ? spec : { ...spec, answer: { ...spec.answer, informational: [interim] } }
  );

describe('hostile mixed answers', () => {
  it('survives mixed token, ID token and userinfo answers, retries included', async () => {
    const endings = createEndingTally();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          hfShapedTokens: fc.boolean(),
          scope: fc.constantFrom('profile', 'openid profile', 'openid profile email'),
          idTokenKind: fc.oneof(
            { arbitrary: fc.constant<IdTokenKind>('valid'), weight: 6 },
            {
              arbitrary: fc.constantFrom<IdTokenKind>('other-subject', 'other-key', 'wrong-nonce', 'malformed'),
              weight: 4,
            }
          ),
          token: answerArb(mostlySuccessfulStatusArb, tokenBodySpecArb(true, 20)),
          userInfo: fc.array(userInfoAnswerArb, { minLength: 1, maxLength: 3 }),
        }),
        async (responseCase) => {
          endings.count(await harness.runResponseCase(responseCase));
        }
      ),
      { numRuns: generatedCases }
    );
    endings.expectReached([
      'resolved',
      ConnectorErrorCodes.SocialIdTokenInvalid,
      ConnectorErrorCodes.InvalidResponse,
      ConnectorErrorCodes.General,
    ]);
  }, 600_000);
});
