/**
 * Whole sign-ins of the built connector against the Hugging Face stand-in (oidc-provider), started
 * with the kit's `startSignIn` and finished with what Logto's pages post (`logto-driver.ts`).
 * Each rule on its own is tested in `test/unit`; here the connector and a real OAuth server must
 * agree on every message they exchange.
 */
import { ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import createConnector from '../../lib/index.js';

import { type SignInChoice, startHfStandIn, type StandIn, userNamed } from '../../stand-in/index.js';
import { createLogtoSessionStore } from '../../stand-in/logto/index.js';
import { connectorFrom, expectConnectorError, type StartedSignIn, startSignIn } from '../support/kit.js';

import {
  builtConnectorAt,
  type CallbackPosts,
  configAt,
  returnFromHuggingFace,
  standInApp,
} from './logto-driver.js';

/** A second Hugging Face app, with only `openid` and `profile` enabled in its settings. */
const limitedApp = { clientId: 'hf-test-limited-client-id', clientSecret: 'hf-test-limited-secret-8Wd1' };

const ada = userNamed('ada');
const outsider = userNamed('outsider');

let hf: StandIn;

beforeAll(async () => {
  hf = await startHfStandIn({
    clients: [standInApp, { ...standInApp, ...limitedApp, allowedScopes: ['openid', 'profile'] }],
  });
});

afterAll(async () => {
  // Unset when beforeAll failed before assigning it.
  await (hf as StandIn | undefined)?.close();
});

/** Starts a sign-in on `connector` (by default one with `config`); the user comes back as chosen. */
const authorize = async (
  choice: SignInChoice,
  config: Record<string, unknown> = {},
  connector?: SocialConnector
) => {
  const hubUrl = hf.url;
  const signIn = await startSignIn({ connector: connector ?? (await builtConnectorAt(hubUrl, config)), hubUrl });
  return { signIn, posts: await returnFromHuggingFace(signIn, choice) };
};

describe('a whole sign-in', () => {
  it('with profile: the id, name, avatar and raw userinfo, and tokens that work at Hugging Face', async () => {
    const { signIn, posts } = await authorize({ username: 'ada' });

    const { userInfo, tokenResponse } = await signIn.connector.getTokenResponseAndUserInfo!(
      posts.signInPage,
      signIn.store.getSession
    );

    expect(userInfo).toEqual({
      id: ada.sub,
      name: 'Ada Lovelace',
      avatar: `${hf.url}/avatars/ada.svg`,
      rawData: expect.objectContaining({
        sub: ada.sub,
        preferred_username: 'ada',
        isPro: true,
        orgs: [expect.objectContaining({ sub: ada.orgs[0]?.sub, preferred_username: 'ml-lab' })],
      }),
    });
    expect(tokenResponse).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 28_800,
      scope: 'profile',
      refresh_token: expect.any(String),
    });
    const headers = { authorization: `Bearer ${String(tokenResponse?.access_token)}` };
    expect((await fetch(`${hf.url}/oauth/userinfo`, { headers })).status).toBe(200);
  });

  it.each(['signInPage', 'accountCenter'] as const)('finishes with what the %s posts', async (page) => {
    const { signIn, posts } = await authorize({ username: 'ada' });

    await expect(signIn.finish(posts[page])).resolves.toMatchObject({ id: ada.sub });
  });
});

describe("Hugging Face's refusals, as the connector reports them", () => {
  it.each([
    {
      refusal: 'a cancelled sign-in',
      choice: { cancel: true as const },
      code: ConnectorErrorCodes.AuthorizationFailed,
      message: 'The user cancelled the sign-in on Hugging Face',
      data: { step: 'callback', error: 'access_denied' },
    },
    {
      refusal: 'a scope the app does not enable',
      config: { ...limitedApp, scope: 'profile email' },
      code: ConnectorErrorCodes.InvalidConfig,
      message: 'Hugging Face refused the requested scope "profile email"',
      data: { error: 'invalid_scope', error_description: expect.stringContaining('"email" is not enabled') },
    },
    {
      refusal: 'a wrong client secret',
      config: { clientSecret: 'not-the-secret-3Jt7' },
      code: ConnectorErrorCodes.InvalidConfig,
      message: 'Hugging Face rejected the client ID or client secret',
      data: { step: 'token', status: 401, error: 'invalid_client' },
    },
    {
      refusal: 'a replayed callback',
      before: async (signIn: StartedSignIn, posts: CallbackPosts) => signIn.finish(posts.signInPage),
      code: ConnectorErrorCodes.SocialAuthCodeInvalid,
      message: 'Hugging Face rejected the authorization code',
      data: { step: 'token', status: 400, error: 'invalid_grant' },
    },
    {
      // RFC 7636 4.6: the verifier must be the one whose challenge the authorization request sent.
      refusal: 'a code exchange with another PKCE verifier',
      before: async (signIn: StartedSignIn) =>
        signIn.store.setSession({ ...signIn.store.saved(), codeVerifier: 'x'.repeat(43) }),
      code: ConnectorErrorCodes.SocialAuthCodeInvalid,
      message: 'Hugging Face rejected the authorization code',
      data: { step: 'token', status: 400, error: 'invalid_grant' },
    },
  ])('$refusal', async ({ choice, config, before, code, message, data }) => {
    const { signIn, posts } = await authorize(choice ?? { username: 'ada' }, config);
    await before?.(signIn, posts);

    const error = await expectConnectorError(signIn.finish(posts.signInPage), code, message);

    expect(error.data).toMatchObject(data);
  });
});

describe('across Logto replicas and parallel sign-ins', () => {
  it('finishes on a replica a sign-in begun on another, sharing only the session JSON', async () => {
    const config = { scope: 'openid profile email' };
    const { signIn, posts } = await authorize({ username: 'outsider' }, config);
    // The package loaded afresh, as another Logto process loads it: no module state in common.
    vi.resetModules();
    const { default: createReplica } = await import('../../lib/index.js');
    const replica = await connectorFrom(createReplica, configAt(hf.url, config));
    const session = createLogtoSessionStore(signIn.store.json());

    const userInfo = await replica.getUserInfo(posts.signInPage, session.getSession);

    expect(createReplica).not.toBe(createConnector);
    expect(userInfo).toMatchObject({ id: outsider.sub, email: 'outsider@example.com' });
  });

  it('completes 50 parallel sign-ins on one connector, each with its own session and user', async () => {
    const connector = await builtConnectorAt(hf.url, { scope: 'openid profile email' });
    const usernames = Array.from({ length: 50 }, (_, index) => (index % 3 === 0 ? 'outsider' : 'ada'));

    const outcomes = await Promise.all(
      usernames.map(async (username) => {
        const { signIn, posts } = await authorize({ username }, {}, connector);
        return { session: signIn.store.saved(), userInfo: await signIn.finish(posts.signInPage) };
      })
    );

    expect(outcomes.map(({ userInfo }) => [userInfo.id, userInfo.email])).toEqual(
      usernames.map((name) => [userNamed(name).sub, userNamed(name).email])
    );
    for (const key of ['state', 'codeVerifier', 'nonce']) {
      expect(new Set(outcomes.map(({ session }) => session?.[key])).size).toBe(50);
    }
  }, 120_000);
});
