/**
 * One sign-in from the callback to Logto's user info, as `sign-in.ts` runs it. The hub's endpoints
 * are served by nock; connections opened ahead of the key set fetch reach a loopback hub.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { until, useFakeClock } from '../support/fake-clock.js';
import {
  createSigningKey,
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

import { socketsCreatedBy, startHub } from './hub-fixtures.js';

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

  it('are opened only for openid, while the key set is not cached or is over 10 minutes old', async () => {
    const hubUrl = (await startHub(60)).url.origin;
    useFakeClock(Date.now());
    keySetEndpoint(hubUrl).reply(200, jwksOf(key));

    expect(await signInOpening(hubUrl, 'profile email')).toEqual([]);
    const first = await signInOpening(hubUrl, 'openid profile');
    expect(first).toHaveLength(2);
    // Closed, as a hub that drops idle connections does, so the next sign-in finds none.
    for (const socket of first) {
      socket.destroy();
    }
    await until(() => first.every((socket) => socket.closed));

    expect(await signInOpening(hubUrl, 'openid profile')).toEqual([]);

    vi.setSystemTime(Date.now() + 10 * 60_000 + 1000);
    keySetEndpoint(hubUrl).reply(200, jwksOf(key));
    expect(await signInOpening(hubUrl, 'openid profile')).toHaveLength(2);
  });
});
