/**
 * One sign-in from the callback to Logto's user info, as `sign-in.ts` runs it. A sign-in that
 * asked for `openid`, and so will verify an ID token, opens connections to the hub ahead of the
 * key set fetch while the key set is not cached or is due for a refetch (older than 10 minutes,
 * `prepareKeySetFetch` in `id-token.ts`): two, one for userinfo and one for the key set. The
 * hub's endpoints are served by nock; the connections opened ahead are real and reach a loopback
 * listener. Whatever fails reaches Logto as a `ConnectorError`.
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { beforeAll, describe, expect, it } from 'vitest';

import { until } from '../support/fake-clock.js';
import {
  createSigningKey,
  expectConnectorError,
  isolateNetwork,
  jwksOf,
  keySetEndpoint,
  type SigningKey,
  signIdToken,
  startSignIn,
  tokenEndpoint,
  tokenSuccess,
  userId,
  userInfoEndpoint,
  validIdTokenClaims,
} from '../support/kit.js';

import { freezeClock, socketsCreatedBy, startHub } from './hub-fixtures.js';

isolateNetwork();

let key: SigningKey;

beforeAll(async () => {
  key = await createSigningKey('ahead-key');
});

describe('connections opened ahead of the key set fetch', () => {
  /** Signs in through the connector and returns the connections it opened with `net.connect`. */
  const signInOpening = async (hubUrl: string, scope: string) => {
    const signIn = await startSignIn({ hubUrl, config: { scope } });
    const idToken = await signIdToken(validIdTokenClaims(signIn), { key: key.privateKey, kid: key.kid });
    tokenEndpoint(signIn).reply(200, { ...tokenSuccess, scope, ...(scope.includes('openid') && { id_token: idToken }) });
    userInfoEndpoint(hubUrl).reply(200, { sub: userId });

    return socketsCreatedBy(async () => {
      await expect(signIn.finish()).resolves.toMatchObject({ id: userId });
    });
  };

  it('are not opened by a sign-in that did not ask for openid', async () => {
    const { url } = await startHub(60);

    expect(await signInOpening(url.origin, 'profile email')).toEqual([]);
  });

  it('are opened while the key set is not cached, not while it is fresh, and again once it is over 10 minutes old', async () => {
    const hubUrl = (await startHub(60)).url.origin;
    const clock = freezeClock();
    keySetEndpoint(hubUrl).reply(200, jwksOf(key));

    const first = await signInOpening(hubUrl, 'openid profile');
    expect(first).toHaveLength(2);
    // Closed, as a hub that drops idle connections does, so the next sign-in finds none.
    for (const socket of first) {
      socket.destroy();
    }
    await until(() => first.every((socket) => socket.closed));

    expect(await signInOpening(hubUrl, 'openid profile')).toEqual([]);

    clock.advance(10 * 60_000 + 1000);
    keySetEndpoint(hubUrl).reply(200, jwksOf(key));
    expect(await signInOpening(hubUrl, 'openid profile')).toHaveLength(2);
  });
});

describe('a failure that is not Hugging Face’s', () => {
  it.each([
    [new RangeError('session store exploded at row 42'), '(RangeError)'],
    ['raw failure text', '(string)'],
  ])('%j from Logto reaches Logto as General, naming only its kind', async (thrown, kind) => {
    const { connector, signInPagePost } = await startSignIn();

    const error = await expectConnectorError(
      // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getSession is async: its failure is a rejection
      connector.getUserInfo(signInPagePost, async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- one case is Logto failing with a non-Error
        throw thrown;
      }),
      ConnectorErrorCodes.General,
      `The Hugging Face connector failed unexpectedly ${kind}.`
    );

    expect(JSON.stringify(error.data)).not.toMatch(/exploded|raw failure text/);
  });

  it('a ConnectorError from Logto keeps its code and its text', async () => {
    const { connector, signInPagePost } = await startSignIn();
    const original = new ConnectorError(ConnectorErrorCodes.NotImplemented, 'from Logto');

    // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getSession is async: its failure is a rejection
    const outcome = await connector.getUserInfo(signInPagePost, async () => {
      throw original;
    }).catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(ConnectorError);
    expect(outcome).toMatchObject({ code: ConnectorErrorCodes.NotImplemented, message: expect.stringContaining('from Logto') });
  });
});
