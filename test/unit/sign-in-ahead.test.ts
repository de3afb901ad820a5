/**
 * Which sign-ins open connections to the hub ahead of the key set fetch (`prepareKeySetFetch`, as
 * `id-token.ts` documents it): only one that asked for `openid`, and so will verify an ID token,
 * and only while the key set is not cached or is due for a refetch (older than 10 minutes); it then
 * makes sure two connections are open, one for userinfo and one for the key set. The hub's endpoints
 * are served by nock; the connections opened ahead are real and reach a loopback listener.
 */
import dc from 'node:diagnostics_channel';
import { type Socket } from 'node:net';

import { beforeAll, describe, expect, it } from 'vitest';

import {
  callbackDataOf,
  clientCredentials,
  createSigningKey,
  createTestConnector,
  mockCodeExchange,
  mockKeySet,
  mockUserInfo,
  type SigningKey,
  signIdToken,
  startSignIn,
  validIdTokenClaims,
} from './crypto-fixtures.js';
import { isolateNetwork } from './fixtures.js';
import { freezeClock, startTlsListener, until } from './hub-fixtures.js';

isolateNetwork();

const userId = '64b7f0c2a1e3d4f5a6b7c8d9';
let key: SigningKey;

beforeAll(async () => {
  key = await createSigningKey('ahead-key');
});

/** A hub on a loopback port of its own: nock answers its requests, the listener takes the connections opened ahead. */
const startLoopbackHub = async (): Promise<string> => {
  const { port } = await startTlsListener();
  return `http://127.0.0.1:${port}`;
};

/** Signs in once through the connector and returns the connections it opened with `net.connect`. */
const signInOpening = async (hubUrl: string, scope: string): Promise<Socket[]> => {
  const connector = await createTestConnector({ ...clientCredentials, scope, hubUrl });
  const signIn = await startSignIn(connector);
  const accessToken = `hf_oauth_access_${signIn.state}`;
  const openid = scope.split(' ').includes('openid');
  mockCodeExchange(hubUrl, signIn, {
    access_token: accessToken,
    token_type: 'bearer',
    expires_in: 28_800,
    scope,
    ...(openid && {
      id_token: await signIdToken(validIdTokenClaims(hubUrl, userId, signIn.nonce), {
        key: key.privateKey,
        kid: key.kid,
      }),
    }),
  });
  mockUserInfo(hubUrl, accessToken, { sub: userId, preferred_username: 'ada-lovelace' });

  const opened: Socket[] = [];
  const record = (message: unknown) => {
    opened.push((message as { socket: Socket }).socket);
  };
  dc.subscribe('net.client.socket', record);
  try {
    await expect(connector.getUserInfo(callbackDataOf(signIn), signIn.store.getSession)).resolves.toEqual(
      expect.objectContaining({ id: userId })
    );
  } finally {
    dc.unsubscribe('net.client.socket', record);
  }
  return opened;
};

/** Closes connections opened ahead, as a hub that drops idle connections does, so the next sign-in finds none. */
const closeAll = async (sockets: Socket[]) => {
  for (const socket of sockets) {
    socket.destroy();
  }
  await until(() => sockets.every((socket) => socket.closed));
};

describe('connections opened ahead of the key set fetch', () => {
  it('are not opened by a sign-in that did not ask for openid', async () => {
    const hubUrl = await startLoopbackHub();

    expect(await signInOpening(hubUrl, 'profile email')).toEqual([]);
  });

  it('are opened while the key set is not cached, not while it is fresh, and again once it is over 10 minutes old', async () => {
    const hubUrl = await startLoopbackHub();
    const clock = freezeClock();
    mockKeySet(hubUrl, key);

    const first = await signInOpening(hubUrl, 'openid profile');
    expect(first).toHaveLength(2);
    await closeAll(first);

    expect(await signInOpening(hubUrl, 'openid profile')).toEqual([]);

    clock.advance(10 * 60_000 + 1000);
    mockKeySet(hubUrl, key);
    const afterTenMinutes = await signInOpening(hubUrl, 'openid profile');
    expect(afterTenMinutes).toHaveLength(2);
  });
});
