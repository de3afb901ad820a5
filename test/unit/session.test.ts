/**
 * Reading the sign-in session back at the callback. Logto keeps it as JSON and may hand the
 * callback to another replica, or hold a session another connector started; a session the
 * connector cannot use is refused, before anything is sent, with a message that says to start
 * again. The PKCE verifier must be one RFC 7636 §4.1 allows: 43 to 128 of `A-Z a-z 0-9 - . _ ~`.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import {
  clientId,
  clientSecret,
  createTestConnector,
  expectConnectorError,
  isolateNetwork,
  newHubUrl,
  signInUpToUserInfo,
  startSignIn,
  tokenEndpoint,
  tokenSuccess,
  userId,
  userInfoEndpoint,
} from '../support/kit.js';

isolateNetwork();

const startAgain = {
  errorDescription:
    'The sign-in session holds no Hugging Face PKCE verifier or state: it expired or was started by another connector. Start the sign-in again.',
  step: 'callback',
};

describe('a session the connector cannot use', () => {
  // A key set to undefined is left out of the stored JSON.
  it.each([
    ['without a verifier', { codeVerifier: undefined }],
    ['without a state', { state: undefined }],
    ['without a redirect URI', { redirectUri: undefined }],
    ['without a scope', { scope: undefined }],
    ['without the hub URL, as sessions started before it was recorded', { hubUrl: undefined }],
    ['without the client ID, as sessions started before it was recorded', { clientId: undefined }],
    ['with an empty state', { state: '' }],
    ['with an empty redirect URI', { redirectUri: '' }],
    ['with an empty nonce', { nonce: '' }],
    ['with a scope saved as text, as sessions started before scopes became a list', { scope: 'profile' }],
    ['with a scope not shaped like a Hugging Face scope', { scope: ['profile', 'read repos'] }],
    ['with a scope that is not text', { scope: ['profile', 42] }],
    ['with a numeric verifier', { codeVerifier: 12_345 }],
    ['with a verifier of 42 characters', { codeVerifier: 'a'.repeat(42) }],
    ['with a verifier of 129 characters', { codeVerifier: 'a'.repeat(129) }],
    ['with a "+" in the verifier', { codeVerifier: `${'a'.repeat(42)}+` }],
    ['with a "/" in the verifier', { codeVerifier: `${'a'.repeat(42)}/` }],
    ['with a "=" in the verifier', { codeVerifier: `${'a'.repeat(42)}=` }],
    ['with a space in the verifier', { codeVerifier: `${'a'.repeat(42)} ` }],
  ])('is refused %s', async (_case, change) => {
    const signIn = await startSignIn();
    await signIn.store.setSession({ ...signIn.store.saved(), ...change });

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);

    expect(error.data).toEqual(startAgain);
  });
});

describe('a session the connector can use', () => {
  it.each([
    ['a verifier of 43 characters', { codeVerifier: 'b'.repeat(43) }],
    ['a verifier of 128 characters', { codeVerifier: 'c'.repeat(128) }],
    ['a verifier of every unreserved character', { codeVerifier: `AZaz09-._~${'x'.repeat(33)}` }],
    ['a scope outside the known list, as extraScopes allows', { scope: ['profile', 'read-papers'] }],
  ])('finishes the sign-in with %s', async (_case, change) => {
    const signIn = await startSignIn();
    const session: Record<string, unknown> = { ...signIn.store.saved(), ...change };
    await signIn.store.setSession(session);
    tokenEndpoint({ ...signIn, codeVerifier: String(session.codeVerifier) }).reply(200, tokenSuccess);
    userInfoEndpoint(signIn.hubUrl).reply(200, { sub: userId });

    await expect(signIn.finish()).resolves.toMatchObject({ id: userId });
  });

  it('lets another replica finish the sign-in from the stored JSON alone', async () => {
    const { hubUrl, store, signInPagePost } = await signInUpToUserInfo();
    userInfoEndpoint(hubUrl).reply(200, { sub: userId });
    const otherReplica = await createTestConnector({ clientId, clientSecret, hubUrl });

    await expect(otherReplica.getUserInfo(signInPagePost, store.getSession)).resolves.toMatchObject({
      id: userId,
    });
  });
});

describe('a config changed while the user was on Hugging Face', () => {
  it.each([
    ['hub URL', { hubUrl: newHubUrl('moved') }],
    ['client ID', { clientId: 'another-hf-client-id' }],
    ['hub URL and client ID', { hubUrl: newHubUrl('moved'), clientId: 'another-hf-client-id' }],
  ])("refuses the callback when the connector's %s changed, sending nothing", async (named, change) => {
    const signIn = await signInUpToUserInfo();
    const changed = await createTestConnector({ clientId, clientSecret, hubUrl: signIn.hubUrl, ...change });

    const error = await expectConnectorError(
      changed.getUserInfo(signIn.signInPagePost, signIn.store.getSession),
      ConnectorErrorCodes.General
    );

    expect(error.data).toEqual({
      errorDescription: `The connector's ${named} changed after this sign-in started, so its authorization code belongs to another Hugging Face app; nothing was sent. Start the sign-in again.`,
      step: 'callback',
    });
  });
});
