/**
 * Userinfo answers read and mapped without a network: the subject check of OpenID Connect Core
 * 5.3.2 and its explicit opt-out, and which emails reach Logto.
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { createRedactor } from '../../src/redaction.js';
import { processUserInfoResponse, skipSubjectCheck, toSocialUserInfo } from '../../src/userinfo.js';

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

describe('the email passed to Logto', () => {
  /** What Logto receives for a userinfo whose verified email is `email`. */
  const mapVerifiedEmail = (email: string) => {
    const body = { sub: userId, email, email_verified: true };
    const userInfo = toSocialUserInfo(processUserInfoResponse(answer(body), skipSubjectCheck, createRedactor()));
    // Whatever Logto receives as `email`, rawData keeps what Hugging Face sent.
    expect(userInfo.rawData).toEqual(body);
    return userInfo;
  };

  // Valid email addresses as the HTML Standard defines them: 1*( atext / "." ) "@" label
  // *( "." label ), a label being letters, digits and inner hyphens, at most 63 characters.
  it.each([
    'ada@example.com',
    'Ada.Lovelace+hf@example.co.uk',
    'ADA@EXAMPLE.COM',
    "o'brien@example.com",
    "!#$%&'*+/=?^_`{|}~-@example.com",
    'ada..lovelace.@example.com',
    'ada@localhost',
    'ada@xn--bcher-kva.example',
    'ada@123.example',
    'ada@a-b--c.example',
    `ada@${'a'.repeat(63)}.example`,
    // RFC 5321 4.5.3.1: a local part of 64 octets, an address of 254.
    `${'a'.repeat(64)}@example.com`,
    `ada@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}`,
  ])('passes on %j, one address', (email) => {
    expect(mapVerifiedEmail(email).email).toBe(email);
  });

  it.each([
    ['a display name', 'Victim <victim@example.com>'],
    ['an address in angle brackets', '<victim@example.com>'],
    ['a list', 'victim@example.com, attacker@example.net'],
    ['a list without a space', 'victim@example.com,attacker@example.net'],
    ['a list separated by a semicolon', 'victim@example.com;attacker@example.net'],
    ['a header after CR LF', 'victim@example.com\r\nBcc: attacker@example.net'],
    ['a header after LF', 'victim@example.com\nBcc: attacker@example.net'],
    ['a trailing CR LF', 'victim@example.com\r\n'],
    ['a comment after it', 'victim@example.com (Victim)'],
    ['a comment before it', '(Victim)victim@example.com'],
    ['a quoted local part', '"victim"@example.com'],
    ['a quoted local part holding a space and an @', '"victim attacker@example.net"@example.com'],
    ['a space inside', 'victim @example.com'],
    ['a leading space', ' victim@example.com'],
    ['a trailing space', 'victim@example.com '],
    ['a trailing tab', 'victim@example.com\t'],
    ['a no-break space', 'victim@example.com\u00A0'],
    ['a NUL', 'victim@example.com\u0000'],
    ['a BEL inside', 'vic\u0007tim@example.com'],
    ['DEL', 'victim@example.com\u007F'],
    ['a C1 control (NEL)', 'victim@example.com\u0085'],
    ['a line separator', 'victim@example.com\u2028attacker@example.net'],
    ['two @', 'victim@@example.com'],
    ['a second address after its domain', 'victim@example.com@attacker.net'],
    ['no local part', '@example.com'],
    ['no domain', 'victim@'],
    ['no @', 'victim.example.com'],
    ['nothing', ''],
    ['a domain label starting with a hyphen', 'victim@-example.com'],
    ['a domain label ending with a hyphen', 'victim@example-.com'],
    ['an empty domain label', 'victim@example..com'],
    ['a leading dot in the domain', 'victim@.example.com'],
    ['a trailing dot in the domain', 'victim@example.com.'],
    ['an underscore in the domain', 'victim@exa_mple.com'],
    ['a domain literal', 'victim@[127.0.0.1]'],
    ['a domain label of 64 characters', `victim@${'a'.repeat(64)}.example`],
    ['a non-ASCII local part', 'v\u00EFctim@example.com'],
    ['a non-ASCII domain', 'victim@ex\u00E4mple.com'],
    ['a FULLWIDTH COMMERCIAL AT', 'victim\uFF20example.com'],
    ['a right-to-left override', 'victim@example.com\u202E'],
    ['a local part of 65 characters (RFC 5321 allows 64)', `${'a'.repeat(65)}@example.com`],
    ['255 characters (RFC 5321 allows 254)', `ada@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(59)}`],
  ])('leaves out a verified email with %s, the sign-in going on', (_, email) => {
    const userInfo = mapVerifiedEmail(email);

    expect(userInfo).not.toHaveProperty('email');
    expect(userInfo.id).toBe(userId);
  });
});
