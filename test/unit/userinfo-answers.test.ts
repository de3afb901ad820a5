/**
 * The userinfo answers beyond userinfo.test.ts: what an operator reads for each non-200 answer
 * (OIDC Core §5.3.3: errors as RFC 6750 §3 describes them), and how the profile's texts reach
 * Logto (README: the display name, else the username; `picture` as the avatar; the email only
 * when `email_verified` is `true` and it is one address; all of it in `rawData`).
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { signInUpToUserInfo, userId } from './behaviour-fixtures.js';
import {
  accessToken,
  expectConnectorError,
  isolateNetwork,
} from './fixtures.js';

isolateNetwork();

/** Serves the userinfo once with `status`, `body` and `headers`. */
const serveUserInfo = (
  hubUrl: string,
  status: number,
  body: string | Record<string, unknown>,
  headers: Record<string, string> = {}
) =>
  nock(hubUrl)
    .get('/oauth/userinfo')
    .matchHeader('authorization', `Bearer ${accessToken}`)
    .reply(status, body, headers);

describe('non-200 userinfo answers', () => {
  it('401 with an RFC 6750 error: SocialAccessTokenInvalid carrying error and description', async () => {
    const signIn = await signInUpToUserInfo('ui-401');
    serveUserInfo(signIn.hubUrl, 401, {
      error: 'invalid_token',
      error_description: 'The access token expired',
    });

    const error = await expectConnectorError(
      signIn.finish(),
      ConnectorErrorCodes.SocialAccessTokenInvalid,
      'rejected the access token'
    );

    expect(error.data).toMatchObject({
      step: 'userinfo',
      status: 401,
      error: 'invalid_token',
      error_description: 'The access token expired',
    });
  });

  it('403 with a description: General quoting the description and carrying the status', async () => {
    const signIn = await signInUpToUserInfo('ui-403');
    serveUserInfo(signIn.hubUrl, 403, {
      error: 'insufficient_scope',
      error_description: 'The token lacks the profile scope',
    });

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);

    expect(error.data.errorDescription).toBe(
      "Hugging Face's userinfo endpoint answered 403 (The token lacks the profile scope)."
    );
    expect(error.data).toMatchObject({
      step: 'userinfo',
      status: 403,
      error: 'insufficient_scope',
      error_description: 'The token lacks the profile scope',
    });
  });

  it('404 without a body: General with only the status', async () => {
    const signIn = await signInUpToUserInfo('ui-404');
    serveUserInfo(signIn.hubUrl, 404, '');

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);

    expect(error.data.errorDescription).toBe("Hugging Face's userinfo endpoint answered 404.");
    expect(error.data).not.toHaveProperty('error_description');
  });

  it('a redirect: General naming the redirect, without the body of the redirect page', async () => {
    const signIn = await signInUpToUserInfo('ui-302');
    serveUserInfo(
      signIn.hubUrl,
      302,
      { error: 'moved', error_description: 'see the new place' },
      { location: 'https://elsewhere.test/' }
    );

    const error = await expectConnectorError(
      signIn.finish(),
      ConnectorErrorCodes.General,
      "Hugging Face's userinfo endpoint answered with a redirect (302), which is not followed. Check the hub URL."
    );

    expect(error.data).toMatchObject({ step: 'userinfo', status: 302 });
  });

  it('a 200 that is not JSON: InvalidResponse with step and status', async () => {
    const signIn = await signInUpToUserInfo('ui-html');
    serveUserInfo(signIn.hubUrl, 200, '<html>login</html>', { 'content-type': 'text/html' });

    const error = await expectConnectorError(
      signIn.finish(),
      ConnectorErrorCodes.InvalidResponse,
      'is not a JSON object'
    );

    expect(error.data).toMatchObject({ step: 'userinfo', status: 200 });
  });

  it('a 200 without sub: InvalidResponse with step and status', async () => {
    const signIn = await signInUpToUserInfo('ui-nosub');
    serveUserInfo(signIn.hubUrl, 200, { name: 'Nobody' });

    const error = await expectConnectorError(
      signIn.finish(),
      ConnectorErrorCodes.InvalidResponse,
      '"sub"'
    );

    expect(error.data).toMatchObject({ step: 'userinfo', status: 200 });
  });
});

describe('profile texts', () => {
  it('trims the display name and the avatar URL, and leaves out an email with white space around it', async () => {
    const signIn = await signInUpToUserInfo('ui-trim');
    const body = {
      sub: userId,
      name: '  Ada Lovelace \n',
      picture: ' https://cdn.test/ada.png ',
      email: ' ada@example.test ',
      email_verified: true,
    };
    serveUserInfo(signIn.hubUrl, 200, body);

    const { rawData, ...mapped } = await signIn.finish();

    expect(mapped).toEqual({
      id: userId,
      name: 'Ada Lovelace',
      avatar: 'https://cdn.test/ada.png',
    });
    expect(rawData).toEqual(body);
  });

  it.each([
    ['blank', '   '],
    ['not text', 42],
  ])('leaves out an avatar that is %s', async (_case, picture) => {
    const signIn = await signInUpToUserInfo('ui-avatar');
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- a userinfo field, which the rule takes for String.prototype.sub through the body's `string |` type
    serveUserInfo(signIn.hubUrl, 200, { sub: userId, picture });

    const result = await signIn.finish();

    expect(result).not.toHaveProperty('avatar');
  });

  it('leaves out a verified email that is blank', async () => {
    const signIn = await signInUpToUserInfo('ui-email');
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- a userinfo field, which the rule takes for String.prototype.sub through the body's `string |` type
    serveUserInfo(signIn.hubUrl, 200, { sub: userId, email: ' ', email_verified: true });

    const result = await signIn.finish();

    expect(result).not.toHaveProperty('email');
  });

  it('leaves out the name when neither display name nor username is text', async () => {
    const signIn = await signInUpToUserInfo('ui-noname');
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- a userinfo field, which the rule takes for String.prototype.sub through the body's `string |` type
    serveUserInfo(signIn.hubUrl, 200, { sub: userId, name: 7, preferred_username: ['ada'] });

    const result = await signIn.finish();

    expect(result).not.toHaveProperty('name');
  });

  it('keeps the id exactly as Hugging Face sent it', async () => {
    const signIn = await signInUpToUserInfo('ui-id');
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- a userinfo field, which the rule takes for String.prototype.sub through the body's `string |` type
    serveUserInfo(signIn.hubUrl, 200, { sub: userId });

    await expect(signIn.finish()).resolves.toEqual({ id: userId, rawData: { sub: userId } });
  });
});
