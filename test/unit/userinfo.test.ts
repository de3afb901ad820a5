/**
 * The userinfo endpoint: what reaches Logto for each answer. The mapping is the README's ("Scopes
 * and what Logto receives"); errors follow OpenID Connect Core 5.3.3 (RFC 6750, section 3).
 */
import { ConnectorErrorCodes, socialUserInfoGuard } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { createRedactor } from '../../src/redaction.js';
import { processUserInfoResponse, skipSubjectCheck } from '../../src/userinfo.js';
import {
  createSigningKey,
  expectConnectorError,
  isolateNetwork,
  jwksOf,
  keySetEndpoint,
  type ScriptedAnswer,
  signIdToken,
  signInWithUserInfo,
  startSignIn,
  tokenEndpoint,
  tokenSuccess,
  userId,
  userInfoEndpoint,
  validIdTokenClaims,
} from '../support/kit.js';

isolateNetwork();

describe('answers refused', () => {
  const expired = { error: 'invalid_token', error_description: 'The access token expired' };
  const lacksScope = { error: 'insufficient_scope', error_description: 'The token lacks the profile scope' };

  it.each<[string, ScriptedAnswer, ConnectorErrorCodes, Record<string, unknown>]>([
    [
      'a 401 with an RFC 6750 error as SocialAccessTokenInvalid',
      { status: 401, body: expired },
      ConnectorErrorCodes.SocialAccessTokenInvalid,
      {
        errorDescription: 'Hugging Face rejected the access token at the userinfo endpoint. Start the sign-in again.',
        status: 401,
        ...expired,
      },
    ],
    [
      'a 403, quoting its description',
      { status: 403, body: lacksScope },
      ConnectorErrorCodes.General,
      {
        errorDescription: "Hugging Face's userinfo endpoint answered 403 (The token lacks the profile scope).",
        status: 403,
        ...lacksScope,
      },
    ],
    [
      'a 404 without a body',
      { status: 404, body: '' },
      ConnectorErrorCodes.General,
      { errorDescription: "Hugging Face's userinfo endpoint answered 404.", status: 404 },
    ],
    [
      'a redirect, without following it or quoting its page',
      { status: 302, body: expired, headers: { location: 'https://elsewhere.test/' } },
      ConnectorErrorCodes.General,
      {
        errorDescription:
          "Hugging Face's userinfo endpoint answered with a redirect (302), which is not followed. Check the hub URL.",
        status: 302,
      },
    ],
  ])('refuses %s', async (_, answer, code, data) => {
    const error = await expectConnectorError(signInWithUserInfo(answer), code);

    expect(error.data).toEqual({ ...data, step: 'userinfo' });
  });

  const notAnObject = "Hugging Face's userinfo is not a JSON object.";
  const noSub = 'Hugging Face\'s userinfo has no "sub" (user id).';
  const tooDeep = "Hugging Face's userinfo nests deeper than 16 levels, more than Logto can store as raw data.";

  /** A userinfo nested `levels` deep: the object is level 1, each array inside one more. */
  const nested = (levels: number) => `{"sub":"${userId}","x":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;

  it.each<[string, string, string]>([
    ['an HTML page', '<html>login</html>', notAnObject],
    ['invalid JSON', '{"sub": ', notAnObject],
    ['a JSON array', `[{"sub":"${userId}"}]`, notAnObject],
    ['JSON null', 'null', notAnObject],
    ['a JSON number', '42', notAnObject],
    ['a JSON string', `"${userId}"`, notAnObject],
    ['no sub', '{"name":"Ada"}', noSub],
    ['a blank sub', '{"sub":"  "}', noSub],
    ['a numeric sub', '{"sub":42}', noSub],
    ['17 levels of nesting', nested(17), tooDeep],
    ['5,000 levels of nesting', nested(5000), tooDeep],
  ])('refuses a 200 with %s as InvalidResponse', async (_, body, errorDescription) => {
    const error = await expectConnectorError(
      signInWithUserInfo({ status: 200, body }),
      ConnectorErrorCodes.InvalidResponse
    );

    expect(error.data).toEqual({ errorDescription, step: 'userinfo', status: 200 });
  });

  it('keeps 16 levels of nesting, which survive JSON.stringify and socialUserInfoGuard', async () => {
    const userInfo = await signInWithUserInfo({ status: 200, body: nested(16) });

    expect(userInfo.rawData).toEqual(JSON.parse(nested(16)));
    expect(JSON.parse(JSON.stringify(userInfo))).toEqual(userInfo);
    expect(socialUserInfoGuard.safeParse(userInfo).success).toBe(true);
  });
});

describe('reading the profile', () => {
  it('keeps in orgs[] only the entries shaped like an organization', () => {
    const body = JSON.stringify({ sub: userId, orgs: [null, 'acme-research', { sub: 'x' }] });

    const { profile } = processUserInfoResponse({ status: 200, body }, skipSubjectCheck, createRedactor());

    expect(profile.orgs).toEqual([{ sub: 'x' }]);
  });
});

describe('mapping to Logto user info', () => {
  /** A case, the userinfo, and what Logto receives beside `rawData`. */
  type Mapping = [string, Record<string, unknown>, Record<string, unknown>];

  const base = { sub: userId, preferred_username: 'ada' };
  const avatar = 'https://cdn.test/ada.png';
  const ada = 'ada@example.com';
  const verified = (email: string) => ({ sub: userId, email, email_verified: true });

  // Valid email addresses as the HTML Standard defines them: 1*( atext / "." ) "@" label
  // *( "." label ), a label being letters, digits and inner hyphens, at most 63 characters;
  // within RFC 5321 4.5.3.1, a local part of at most 64 octets and an address of at most 254.
  const oneAddress = [
    'ada@example.com',
    'Ada.Lovelace+hf@example.co.uk',
    'ADA@EXAMPLE.COM',
    "o'brien@example.com",
    "!#$%&'*+/=?^_`{|}~-@example.com",
    'ada..lovelace.@example.com',
    'ada@localhost',
    'ada@x.com',
    'ada@xn--bcher-kva.example',
    'ada@123.example',
    'ada@a-b--c.example',
    `ada@${'a'.repeat(63)}.example`,
    `${'a'.repeat(64)}@example.com`,
    `ada@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}`,
  ];

  const notOneAddress: Array<[string, string]> = [
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
    ['only a space', ' '],
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
    ['a local part of 65 characters', `${'a'.repeat(65)}@example.com`],
    ['255 characters', `ada@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(59)}`],
  ];

  it.each<Mapping>([
    ['the display name as name', { ...base, name: 'Ada Lovelace' }, { id: userId, name: 'Ada Lovelace' }],
    ['the username when the display name is empty', { ...base, name: '' }, { id: userId, name: 'ada' }],
    ['the username when the display name is white space', { ...base, name: ' \t ' }, { id: userId, name: 'ada' }],
    ['the username when there is no display name', base, { id: userId, name: 'ada' }],
    ['the username when the display name is not text', { ...base, name: 42 }, { id: userId, name: 'ada' }],
    [
      'no name when neither display name nor username is text',
      { sub: userId, name: 7, preferred_username: ['ada'] },
      { id: userId },
    ],
    [
      'the display name and the avatar URL trimmed',
      { sub: userId, name: '  Ada Lovelace \n', picture: ` ${avatar} ` },
      { id: userId, name: 'Ada Lovelace', avatar },
    ],
    ['picture as avatar', { ...base, picture: avatar }, { id: userId, name: 'ada', avatar }],
    ['no avatar when picture is blank', { ...base, picture: '   ' }, { id: userId, name: 'ada' }],
    ['no avatar when picture is not text', { ...base, picture: { url: avatar } }, { id: userId, name: 'ada' }],
    ['no email when email_verified is false', { sub: userId, email: ada, email_verified: false }, { id: userId }],
    ['no email when email_verified is missing', { sub: userId, email: ada }, { id: userId }],
    ['no email when email_verified is "true", a text', { sub: userId, email: ada, email_verified: 'true' }, { id: userId }],
    ['no email when email_verified is true but none is given', { sub: userId, email_verified: true }, { id: userId }],
    ['only the id when nothing else is given', { sub: userId }, { id: userId }],
    [
      'fields Hugging Face adds later into rawData only',
      {
        ...base,
        isPro: false,
        plan: 'team',
        orgs: [{ sub: '5e67bd5b1009063689407478', name: 'Hugging Face', securityRestrictions: ['mfa'] }],
        hardwareItems: [{ kind: 'gpu', sku: ['Nvidia', 'RTX 4090'], num: 1 }],
        futureField: { nested: [1, 'two', null] },
      },
      { id: userId, name: 'ada' },
    ],
    ...oneAddress.map((email): Mapping => [
      `the verified email ${JSON.stringify(email)}, one address`,
      verified(email),
      { id: userId, email },
    ]),
    ...notOneAddress.map(([shape, email]): Mapping => [
      `no email for a verified one with ${shape}, the sign-in going on`,
      verified(email),
      { id: userId },
    ]),
  ])('maps %s', async (_, body, expected) => {
    const { rawData, ...mapped } = await signInWithUserInfo({ status: 200, body });

    expect(mapped).toEqual(expected);
    expect(rawData).toEqual(body);
  });
});

describe('the subject check against the ID token (OpenID Connect Core 5.3.2)', () => {
  /** Signs in with `openid`, the ID token naming {@link userId} and the userinfo `userInfoSub`. */
  const signInWithIdToken = async (userInfoSub: string) => {
    const signIn = await startSignIn({ config: { scope: 'openid profile' } });
    const key = await createSigningKey('key-1');
    keySetEndpoint(signIn.hubUrl).reply(200, jwksOf(key));
    const idToken = await signIdToken(validIdTokenClaims(signIn), { key: key.privateKey, kid: key.kid });
    tokenEndpoint(signIn).reply(200, { ...tokenSuccess, scope: 'openid profile', id_token: idToken });
    userInfoEndpoint(signIn.hubUrl).reply(200, { sub: userInfoSub });
    return signIn.finish();
  };

  it("accepts a userinfo whose sub is the ID token's", async () => {
    await expect(signInWithIdToken(userId)).resolves.toEqual({ id: userId, rawData: { sub: userId } });
  });

  it("refuses a userinfo whose sub differs from the ID token's as SocialIdTokenInvalid", async () => {
    const error = await expectConnectorError(
      signInWithIdToken('6512f0d5c9a8b7e6d5c4b3ff'),
      ConnectorErrorCodes.SocialIdTokenInvalid
    );

    expect(error.data).toEqual({
      errorDescription:
        "The ID token from Hugging Face failed verification: its subject (sub) differs from the userinfo's.",
      step: 'id_token',
    });
  });
});
