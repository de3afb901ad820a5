/**
 * ID token checks the README and OIDC Core §3.1.3.7 require, beyond those of id-token.test.ts:
 * every required claim present (`iss`, `aud`, `sub`, `exp`, `iat`), `nbf` and the 60 s clock
 * tolerance, an audience list that merely contains the client ID, malformed tokens, and the key
 * set (JWKS) Hugging Face publishes being unreachable, unreadable or not a key set. Each failure
 * names the check an operator needs to know about. Every test uses a hub of its own, so the key
 * set cache of one never serves another.
 */
import { ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  callbackDataOf,
  clientCredentials,
  createSigningKey,
  createTestConnector,
  expectConnectorError,
  jwksOf,
  mockCodeExchange,
  mockUserInfo,
  nextHubUrl,
  nowInSeconds,
  type SigningKey,
  signIdToken,
  type StartedSignIn,
  startSignIn,
  validIdTokenClaims,
} from './crypto-fixtures.js';
import { isolateNetwork } from './fixtures.js';

isolateNetwork();

const userId = '64b7f0c2a1e3d4f5a6b7c8e0';
let key: SigningKey;

beforeAll(async () => {
  key = await createSigningKey('claims-key');
});

type Flow = { hubUrl: string; connector: SocialConnector; signIn: StartedSignIn };

const startFlow = async (scope = 'openid profile'): Promise<Flow> => {
  const hubUrl = nextHubUrl('claims');
  const connector = await createTestConnector({ ...clientCredentials, scope, hubUrl });
  return { hubUrl, connector, signIn: await startSignIn(connector) };
};

const accessTokenOf = (flow: Flow) => `hf_oauth_claims_${flow.signIn.state}`;

/** Serves the code exchange with `idToken`; the userinfo names `userId`. */
const serveTokens = (flow: Flow, idToken: string) => {
  mockCodeExchange(flow.hubUrl, flow.signIn, {
    access_token: accessTokenOf(flow),
    token_type: 'bearer',
    id_token: idToken,
  });
  return mockUserInfo(flow.hubUrl, accessTokenOf(flow), { sub: userId, name: 'Claims' });
};

const finish = async (flow: Flow) =>
  flow.connector.getUserInfo(callbackDataOf(flow.signIn), flow.signIn.store.getSession);

const signed = async (claims: Record<string, unknown>) =>
  signIdToken(claims, { key: key.privateKey, kid: key.kid });

const validClaims = (flow: Flow) => validIdTokenClaims(flow.hubUrl, userId, flow.signIn.nonce);

describe('required claims (OIDC Core §2)', () => {
  it.each(['iss', 'aud', 'sub', 'exp', 'iat'])(
    'rejects a token without %s, naming it',
    async (claim) => {
      const flow = await startFlow();
      nock(flow.hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
      const { [claim as keyof ReturnType<typeof validClaims>]: _left, ...claims } = validClaims(flow);
      serveTokens(flow, await signed(claims));

      const error = await expectConnectorError(
        finish(flow),
        ConnectorErrorCodes.SocialIdTokenInvalid,
        'The ID token from Hugging Face failed verification: ',
        `(${claim})`
      );

      expect(error.data.step).toBe('id_token');
      // Userinfo is asked beside the ID token check; its answer never hides the token's failure.
    }
  );

  it('names the expected issuer, the hub, when iss differs', async () => {
    const flow = await startFlow();
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
    serveTokens(flow, await signed({ ...validClaims(flow), iss: 'https://evil.test' }));

    await expectConnectorError(
      finish(flow),
      ConnectorErrorCodes.SocialIdTokenInvalid,
      `the issuer (iss) is not ${flow.hubUrl}`
    );
  });
});

describe('time claims and the 60 s tolerance', () => {
  it('rejects a token not valid before 2 minutes from now (nbf)', async () => {
    const flow = await startFlow();
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
    serveTokens(flow, await signed({ ...validClaims(flow), nbf: nowInSeconds() + 120 }));

    await expectConnectorError(finish(flow), ConnectorErrorCodes.SocialIdTokenInvalid, '(nbf)');
  });

  it.each([
    ['nbf 30 s ahead', (now: number) => ({ nbf: now + 30 })],
    ['iat 50 s ahead', (now: number) => ({ iat: now + 50 })],
    ['exp 50 s ago', (now: number) => ({ iat: now - 600, exp: now - 50 })],
  ])('accepts %s, within the tolerance', async (_case, shift) => {
    const flow = await startFlow();
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
    const userInfo = serveTokens(flow, await signed({ ...validClaims(flow), ...shift(nowInSeconds()) }));

    await expect(finish(flow)).resolves.toMatchObject({ id: userId });
    expect(userInfo.isDone()).toBe(true);
  });

  it.each([
    ['iat 70 s ahead', (now: number) => ({ iat: now + 70 }), '(iat)'],
    ['exp 70 s ago', (now: number) => ({ iat: now - 600, exp: now - 70 }), '(exp)'],
  ])('rejects %s, beyond the tolerance', async (_case, shift, fragment) => {
    const flow = await startFlow();
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
    serveTokens(flow, await signed({ ...validClaims(flow), ...shift(nowInSeconds()) }));

    await expectConnectorError(finish(flow), ConnectorErrorCodes.SocialIdTokenInvalid, fragment);
  });
});

describe('audience and authorized party (OIDC Core §3.1.3.7, items 3 to 5)', () => {
  it('accepts an audience list with the client ID among others when azp is the client ID', async () => {
    const flow = await startFlow();
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
    const userInfo = serveTokens(
      flow,
      await signed({
        ...validClaims(flow),
        aud: ['another-client', clientCredentials.clientId],
        azp: clientCredentials.clientId,
      })
    );

    await expect(finish(flow)).resolves.toMatchObject({ id: userId });
    expect(userInfo.isDone()).toBe(true);
  });

  it.each([
    [
      'several audiences and no azp',
      { aud: ['another-client', clientCredentials.clientId] },
      '(azp)',
    ],
    ['an azp of another client', { azp: 'another-client' }, 'authorized party (azp) is not the client ID'],
  ])('rejects %s', async (_case, claims, fragment) => {
    const flow = await startFlow();
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
    serveTokens(flow, await signed({ ...validClaims(flow), ...claims }));

    await expectConnectorError(finish(flow), ConnectorErrorCodes.SocialIdTokenInvalid, fragment);
    // Userinfo is asked beside the ID token check; its answer never hides the token's failure.
  });

  it('accepts a single audience with azp equal to the client ID', async () => {
    const flow = await startFlow();
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
    serveTokens(flow, await signed({ ...validClaims(flow), azp: clientCredentials.clientId }));

    await expect(finish(flow)).resolves.toMatchObject({ id: userId });
  });
});

describe('tokens that are not signed JWTs of the hub', () => {
  it.each(['not-a-jwt', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30'])(
    'rejects %s as not well-formed',
    async (idToken) => {
      const flow = await startFlow();
      nock(flow.hubUrl).get('/oauth/jwks').optionally().reply(200, jwksOf(key));
      serveTokens(flow, idToken);

      await expectConnectorError(
        finish(flow),
        ConnectorErrorCodes.SocialIdTokenInvalid,
        'The ID token from Hugging Face failed verification'
      );
    }
  );

  it('rejects a token whose kid is in no key of the set, fetching the set only once', async () => {
    const flow = await startFlow();
    let fetches = 0;
    nock(flow.hubUrl)
      .get('/oauth/jwks')
      .times(5)
      .reply(() => {
        fetches += 1;
        return [200, jwksOf(key)];
      });
    serveTokens(
      flow,
      await signIdToken(validClaims(flow), { key: key.privateKey, kid: 'withdrawn-key' })
    );

    await expectConnectorError(
      finish(flow),
      ConnectorErrorCodes.SocialIdTokenInvalid,
      'key id (kid)'
    );
    // The set was fetched a moment ago: an unknown kid does not trigger a refetch yet.
    expect(fetches).toBe(1);
  });

  it('verifies an ID token the sign-in did not ask for, and rejects it: no nonce was sent', async () => {
    const flow = await startFlow('profile');
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
    serveTokens(flow, await signed({ ...validClaims(flow), nonce: 'some-nonce' }));

    await expectConnectorError(
      finish(flow),
      ConnectorErrorCodes.SocialIdTokenInvalid,
      'no nonce was saved for this sign-in'
    );
  });
});

describe('the key set', () => {
  it.each([
    [404, 'not found'],
    [400, '{"error":"invalid_request"}'],
  ])('answered %i: InvalidResponse naming the key set and the status, not retried', async (status, body) => {
    const flow = await startFlow();
    let fetches = 0;
    nock(flow.hubUrl)
      .get('/oauth/jwks')
      .times(3)
      .reply(() => {
        fetches += 1;
        return [status, body];
      });
    serveTokens(flow, await signed(validClaims(flow)));

    const error = await expectConnectorError(
      finish(flow),
      ConnectorErrorCodes.InvalidResponse,
      `Hugging Face's key set at ${flow.hubUrl}/oauth/jwks could not be read (status ${status})`
    );

    expect(error.data).toMatchObject({ step: 'id_token', status });
    expect(fetches).toBe(1);
    // Userinfo is asked beside the ID token check; its answer never hides the token's failure.
  });

  it('answered 503 three times: retried twice, then InvalidResponse', async () => {
    const flow = await startFlow();
    let fetches = 0;
    nock(flow.hubUrl)
      .get('/oauth/jwks')
      .times(4)
      .reply(() => {
        fetches += 1;
        return [503, 'unavailable', { 'retry-after': '0' }];
      });
    serveTokens(flow, await signed(validClaims(flow)));

    await expectConnectorError(finish(flow), ConnectorErrorCodes.InvalidResponse, '(status 503)');
    expect(fetches).toBe(3);
  });

  it('answered 503 once, then the keys: the sign-in succeeds', async () => {
    const flow = await startFlow();
    nock(flow.hubUrl)
      .get('/oauth/jwks')
      .reply(503, 'unavailable', { 'retry-after': '0' })
      .get('/oauth/jwks')
      .reply(200, jwksOf(key));
    serveTokens(flow, await signed(validClaims(flow)));

    await expect(finish(flow)).resolves.toMatchObject({ id: userId });
  });

  it.each([
    ['text', 'hello'],
    ['a JSON list', '[]'],
  ])('that is %s: InvalidResponse', async (_case, body) => {
    const flow = await startFlow();
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, body);
    serveTokens(flow, await signed(validClaims(flow)));

    await expectConnectorError(
      finish(flow),
      ConnectorErrorCodes.InvalidResponse,
      'could not be read (status 200)'
    );
  });

  it('that is JSON but not a JWKS: InvalidResponse saying so', async () => {
    const flow = await startFlow();
    nock(flow.hubUrl).get('/oauth/jwks').reply(200, { keys: 'none' });
    serveTokens(flow, await signed(validClaims(flow)));

    const error = await expectConnectorError(
      finish(flow),
      ConnectorErrorCodes.InvalidResponse,
      `Hugging Face's key set at ${flow.hubUrl}/oauth/jwks is not a valid JWKS`
    );
    expect(error.data.step).toBe('id_token');
  });

  it('that could not be fetched is fetched again by the next sign-in', async () => {
    const hubUrl = nextHubUrl('claims-refetch');
    const connector = await createTestConnector({ ...clientCredentials, scope: 'openid profile', hubUrl });
    const first: Flow = { hubUrl, connector, signIn: await startSignIn(connector) };
    nock(hubUrl).get('/oauth/jwks').reply(404, 'gone');
    serveTokens(first, await signed(validClaims(first)));
    await expectConnectorError(finish(first), ConnectorErrorCodes.InvalidResponse);

    const second: Flow = { hubUrl, connector, signIn: await startSignIn(connector) };
    const keys = nock(hubUrl).get('/oauth/jwks').reply(200, jwksOf(key));
    serveTokens(second, await signed(validClaims(second)));

    await expect(finish(second)).resolves.toMatchObject({ id: userId });
    expect(keys.isDone()).toBe(true);
  });
});
