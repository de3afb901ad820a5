/**
 * `processUserInfoResponse` read on plain answers, without a network: the subject check of
 * OpenID Connect Core 5.3.2 and its explicit opt-out.
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { createRedactor } from '../../src/redaction.js';
import { processUserInfoResponse, skipSubjectCheck } from '../../src/userinfo.js';

const userId = '6512f0d5c9a8b7e6d5c4b3a2';

const answer = (body: unknown) => ({
  status: 200,
  body: JSON.stringify(body),
});

describe('processUserInfoResponse', () => {
  it("accepts a userinfo whose sub is the ID token's", () => {
    const body = { sub: userId, preferred_username: 'ada', orgs: [null, { sub: 'x' }] };

    const userInfo = processUserInfoResponse(answer(body), userId, createRedactor());

    expect(userInfo.rawData).toEqual(body);
    expect(userInfo.profile).toMatchObject({ sub: userId, preferred_username: 'ada', orgs: [{ sub: 'x' }] });
  });

  it("refuses a userinfo whose sub differs from the ID token's as SocialIdTokenInvalid", () => {
    let thrown: unknown;
    try {
      processUserInfoResponse(answer({ sub: userId }), '6512f0d5c9a8b7e6d5c4b3ff', createRedactor());
    } catch (error: unknown) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ConnectorError);
    expect((thrown as ConnectorError).code).toBe(ConnectorErrorCodes.SocialIdTokenInvalid);
    expect((thrown as ConnectorError).data).toEqual({
      errorDescription:
        "The ID token from Hugging Face failed verification: its subject (sub) differs from the userinfo's.",
      step: 'id_token',
    });
  });

  it('compares no subject when told to skip the check (a sign-in without an ID token)', () => {
    const userInfo = processUserInfoResponse(answer({ sub: userId }), skipSubjectCheck, createRedactor());

    expect(userInfo.profile.sub).toBe(userId);
  });
});
