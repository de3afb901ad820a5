/**
 * This connector inside a real Logto (built from Logto's source, `LOGTO_DIR`), installed with
 * Logto's CLI from the packed tarball, against the Hugging Face stand-in served as
 * `https://huggingface.co`. Each test drives Logto as its admins, its sign-in page and its
 * Account Center do.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../support/chromium.js';
import { driveSignIn } from '../../stand-in/index.js';

import { demoUsers, type DemoUser, userNamed } from '../../stand-in/index.js';
import { packPackage, releasePackedPackage } from '../logto/pack.js';

import { ExperienceClient, expectStatus, repoRoot, requestJson, startRealLogto, tokenOwner, type RealLogto } from './support/index.js';
import { signInOnSignInPage } from './support/sign-in-page.js';

const screenshots = path.join(repoRoot, 'test-results', 'real-logto');

const factoryId = 'huggingface-oidc-universal';
const target = 'huggingface';
const hfApp = { clientId: 'logto-real-app', clientSecret: 'real-logto-client-secret-7f3a' };
const config = { clientId: hfApp.clientId, clientSecret: hfApp.clientSecret, scope: 'openid profile email' };

/** Signs up with a password in test 5, then links Hugging Face; nobody else uses this account. */
const grace: DemoUser = {
  sub: '64b7f0a1c2d3e4f5a6b7c804',
  preferred_username: 'grace',
  name: 'Grace Hopper',
  email: 'grace@example.com',
  email_verified: true,
  isPro: false,
  orgs: [],
};
const user = (name: string) => userNamed(name, [...demoUsers, grace]);

/**
 * The build run.mjs started: from Logto 1.43 on (the `unified-callback` build), the Account Center
 * sends the user to Hugging Face with the sign-in page's callback URL and a `state` that starts
 * with `ac_`, the sign-in page's `state` starts with `se_`, and core routes the callback by that
 * prefix (packages/core/src/routes/callback.ts).
 */
const unifiedCallback = process.env.REAL_LOGTO_BUILD === 'unified-callback';

/** Hugging Face's access tokens live this long at the stand-in, so Logto must refresh them in test 3. */
const accessTokenTtlSeconds = 4;

let logto: RealLogto;
let connectorId: string | undefined;

type Connector = { id: string; connectorId: string; target: string; config: Record<string, unknown>; enableTokenStorage?: boolean };
type SignInExperience = { socialSignInConnectorTargets: string[] };
type LogtoUser = { id: string; primaryEmail: string | null; identities: Record<string, { userId: string; details?: Record<string, unknown> }> };

/**
 * The admin's steps of test 1, done once: create the connector (with token storage) and add
 * its target to the sign-in experience. Later tests call it too, so each runs alone as well.
 */
const ourConnector = async (): Promise<string> => {
  if (connectorId) return connectorId;
  const created = expectStatus(
    await logto.management.request<Connector>('POST', '/api/connectors', { connectorId: factoryId, config, enableTokenStorage: true }),
    200,
    'create connector',
  );
  const before = expectStatus(await logto.management.request<SignInExperience>('GET', '/api/sign-in-exp'), 200, 'sign-in-exp');
  expectStatus(
    await logto.management.request('PATCH', '/api/sign-in-exp', {
      socialSignInConnectorTargets: [...new Set([...before.socialSignInConnectorTargets, target])],
    }),
    200,
    'add to sign-in experience',
  );
  connectorId = created.id;
  return connectorId;
};

const getUser = async (id: string) => expectStatus(await logto.management.request<LogtoUser>('GET', `/api/users/${id}`), 200, 'get user');

beforeAll(async () => {
  logto = await startRealLogto({ hub: { clients: [hfApp], users: [...demoUsers, grace], accessTokenTtlSeconds } });
  const packed = await packPackage();
  try {
    await logto.installConnector(packed.tarball);
  } finally {
    await releasePackedPackage();
  }
});

afterAll(async () => {
  // Unset when beforeAll failed before assigning it.
  await (logto as RealLogto | undefined)?.stop();
});

describe('in a real Logto', { concurrent: false }, () => {
  it('1. the admin lists the factory, is refused a comma-separated scope, creates the connector and adds it to the sign-in experience', async () => {
    const factories = expectStatus(
      await logto.management.request<Array<{ id: string; target: string; platform: string; isTokenStorageSupported?: boolean }>>('GET', '/api/connector-factories'),
      200,
      'factories',
    );
    expect(factories.find((factory) => factory.id === factoryId)).toMatchObject({ target, platform: 'Universal', isTokenStorageSupported: true });

    const refused = await logto.management.request<{ code: string; message: string; data?: unknown }>('POST', '/api/connectors', {
      connectorId: factoryId,
      config: { ...config, scope: 'profile, email' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('connector.invalid_config');
    expect(JSON.stringify(refused.body)).toContain('Scopes are separated by spaces, not commas');

    const id = await ourConnector();
    const listed = expectStatus(await logto.management.request<Connector[]>('GET', '/api/connectors'), 200, 'connectors');
    expect(listed.find((connector) => connector.id === id)).toMatchObject({ connectorId: factoryId, target, enableTokenStorage: true });
    const experience = expectStatus(await logto.management.request<SignInExperience>('GET', '/api/sign-in-exp'), 200, 'sign-in-exp');
    expect(experience.socialSignInConnectorTargets).toContain(target);
    const shown = expectStatus(await new ExperienceClient(logto.core.endpoint).api<{ socialConnectors: Array<{ id: string; target: string }> }>('GET', '/api/.well-known/sign-in-exp'), 200, 'public sign-in-exp');
    expect(shown.socialConnectors.map((connector) => connector.id)).toContain(id);
  });

  it('2. a user signs up and in again as the same Logto user, with PKCE; an unverified email is not linked; cancel is a 4xx; an outsider is refused', async () => {
    const id = await ourConnector();
    const ada = user('ada');
    const first = await new ExperienceClient(logto.core.endpoint).signInWithSocial(id, { username: 'ada' });
    expect(first.registered).toBe(true);
    const authorization = logto.hub.lastAuthorizationParams ?? {};
    expect(authorization.code_challenge_method).toBe('S256');
    expect(authorization.code_challenge).toMatch(/^[\w-]{43}$/);
    const created = await getUser(first.userId);
    expect(created.identities[target]?.userId).toBe(ada.sub);
    expect(created.primaryEmail).toBe(ada.email);

    const again = await new ExperienceClient(logto.core.endpoint).signInWithSocial(id, { username: 'ada' });
    expect(again.registered).toBe(false);
    expect(again.userId).toBe(first.userId);

    const blank = user('blank');
    const unverified = await new ExperienceClient(logto.core.endpoint).signInWithSocial(id, { username: 'blank' });
    expect(unverified.registered).toBe(true);
    const blankUser = await getUser(unverified.userId);
    expect(blankUser.identities[target]?.userId).toBe(blank.sub);
    expect(blankUser.primaryEmail).toBeNull();

    const cancelled = await new ExperienceClient(logto.core.endpoint).socialCallback(id, { cancel: true });
    expect(cancelled.verify.status).toBeGreaterThanOrEqual(400);
    expect(cancelled.verify.status).toBeLessThan(500);
    expect(cancelled.verify.body.code).toMatch(/^connector\./);

    expectStatus(await logto.management.request('PATCH', `/api/connectors/${id}`, { config: { ...config, authorizedOrgs: 'ml-lab' } }), 200, 'set authorizedOrgs');
    try {
      const outsider = await new ExperienceClient(logto.core.endpoint).socialCallback(id, { username: 'outsider' });
      // Logto answers 401 with its own phrase as `message` and the connector's message in `data`.
      expect(outsider.verify.status).toBe(401);
      expect(outsider.verify.body.code).toBe('connector.authorization_failed');
      expect((outsider.verify.body as { data?: { errorDescription?: string } }).data?.errorDescription).toContain(
        'not a member of an authorized organization (ml-lab)',
      );
      const member = await new ExperienceClient(logto.core.endpoint).signInWithSocial(id, { username: 'ada' });
      expect(member.userId).toBe(first.userId);
    } finally {
      expectStatus(await logto.management.request('PATCH', `/api/connectors/${id}`, { config }), 200, 'reset config');
    }
  });

  it('3. an app reads the stored Hugging Face token through the Account API, refreshed by Logto twice in a row', async () => {
    const id = await ourConnector();
    expectStatus(await logto.management.request('PATCH', '/api/account-center', { enabled: true }), 200, 'enable the Account Center');
    const ada = user('ada');
    const app = await new ExperienceClient(logto.core.endpoint).signInWithSocial(id, { username: 'ada' });

    type StoredToken = { access_token: string; expires_in?: number; token_type?: string; scope?: string };
    /** The app's read, with the moment Logto says the token expires (`expires_in` counts from now). */
    const read = async () => {
      const token = expectStatus(
        await requestJson<StoredToken>(`${logto.core.endpoint}/api/my-account/identities/${target}/access-token`, {
          headers: { authorization: `Bearer ${app.access_token}` },
        }),
        200,
        'stored access token',
      );
      expect(token.expires_in).toBeGreaterThan(0);
      return { ...token, expiresAt: Date.now() + (token.expires_in ?? 0) * 1000 };
    };

    const tokens = [await read()];
    expect(await tokenOwner(logto.hub, tokens[0]!.access_token)).toBe(ada.sub);
    /* eslint-disable no-await-in-loop -- each refresh waits for the token the round before stored to expire */
    for (const round of [1, 2]) {
      // Logto stores expiresAt in whole seconds: wait a second past it.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tokens[round - 1]!.expiresAt + 1100 - Date.now())));
      const tokenRequestsBefore = logto.hub.requestCounts['/oauth/token'] ?? 0;
      const next = await read();
      expect(logto.hub.requestCounts['/oauth/token'] ?? 0, `refresh ${round} went to Hugging Face`).toBe(tokenRequestsBefore + 1);
      expect(next.access_token).not.toBe(tokens[round - 1]!.access_token);
      expect(await tokenOwner(logto.hub, next.access_token)).toBe(ada.sub);
      tokens.push(next);
    }
    /* eslint-enable no-await-in-loop */
  });

  it("4. in Logto's own sign-in page (Chromium), Continue with Hugging Face shows our logo, goes to Hugging Face and back, and the app is signed in", async () => {
    const id = await ourConnector();
    const ada = user('ada');
    const browser = await launchChromium(logto.hub.chromiumArgs);
    try {
      // The stand-in's certificate comes from the suite's own CA, which Chromium does not know.
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US' })).newPage();
      const logo = await readFile(path.join(repoRoot, 'logo.svg'), 'utf8');
      const shownId = await signInOnSignInPage(page, {
        endpoint: logto.core.endpoint,
        hubUrl: logto.hub.url,
        username: 'ada',
        screenshots,
        onButton: async (button) => {
          expect(dataUrlText(await button.locator('img').getAttribute('src'))).toBe(logo);
        },
      });
      expect((await getUser(shownId)).identities[target]?.userId).toBe(ada.sub);
      expect(logto.hub.lastAuthorizationParams?.redirect_uri).toBe(`${logto.core.endpoint}/callback/${id}`);
      if (unifiedCallback) expect(logto.hub.lastAuthorizationParams?.state).toMatch(/^se_/);
    } finally {
      await browser.close();
    }
  });

  it('5. a password user links Hugging Face in the Account Center, then signs in with it as the same user', async () => {
    const id = await ourConnector();
    expectStatus(await logto.management.request('PATCH', '/api/sign-in-exp', { passwordPolicy: { rejects: { pwned: false } } }), 200, 'offline password policy');
    expectStatus(await logto.management.request('PATCH', '/api/account-center', { enabled: true, fields: { social: 'Edit' } }), 200, 'Account Center: social Edit');
    const password = 'Correct-Horse-Battery-42';
    const signedUp = await new ExperienceClient(logto.core.endpoint).registerWithPassword('grace_pw', password);
    expect((await getUser(signedUp.userId)).identities[target]).toBeUndefined();

    // What the Account Center posts (packages/account: apis/verification.ts, apis/social.ts, pages/SocialFlow, pages/SocialCallback).
    const account = (method: string, pathname: string, json: unknown, headers: Record<string, string> = {}) =>
      requestJson<Record<string, string>>(`${logto.core.endpoint}${pathname}`, {
        method,
        json,
        headers: { authorization: `Bearer ${signedUp.access_token}`, ...headers },
      });
    const identity = expectStatus(await account('POST', '/api/verifications/password', { password }), 201, 'password verification');
    // packages/account, pages/SocialFlow: the state and the redirect URI the Account Center sends.
    const state = `${unifiedCallback ? 'ac_' : ''}${randomUUID().replaceAll('-', '')}`;
    const redirectUri = unifiedCallback ? `${logto.core.endpoint}/callback/${id}` : `${logto.core.endpoint}/account/callback/social/${id}`;
    const social = expectStatus(await account('POST', '/api/verifications/social', { connectorId: id, state, redirectUri }), 201, 'social verification');
    let query = await driveSignIn(social.authorizationUri!, redirectUri, { username: 'grace' });
    expect(logto.hub.lastAuthorizationParams?.redirect_uri).toBe(redirectUri);
    expect(query.state).toBe(state);
    if (unifiedCallback) {
      // Hugging Face sends the browser to the shared callback URL; core sends an `ac_` state on to the Account Center's page.
      const hop = await fetch(`${redirectUri}?${new URLSearchParams(query).toString()}`, { redirect: 'manual' });
      expect(hop.status).toBe(303);
      const landed = new URL(hop.headers.get('location') ?? '', logto.core.endpoint);
      expect(landed.pathname).toBe(`/account/callback/social/${id}`);
      query = Object.fromEntries(landed.searchParams);
      expect(query.state).toBe(state);
    }
    expectStatus(
      await account('POST', '/api/verifications/social/verify', {
        verificationRecordId: social.verificationRecordId,
        connectorData: { ...query, redirectUri },
      }),
      200,
      'social verify (Account Center)',
    );
    expectStatus(
      await account('POST', '/api/my-account/identities', { newIdentifierVerificationRecordId: social.verificationRecordId }, {
        'logto-verification-id': identity.verificationRecordId!,
      }),
      204,
      'link the identity',
    );
    expect((await getUser(signedUp.userId)).identities[target]?.userId).toBe(user('grace').sub);

    const viaHuggingFace = await new ExperienceClient(logto.core.endpoint).signInWithSocial(id, { username: 'grace' });
    expect(viaHuggingFace.registered).toBe(false);
    expect(viaHuggingFace.userId).toBe(signedUp.userId);
  });
});

/** The text inside a `data:` URL (base64 or percent-encoded). */
function dataUrlText(url: string | null): string {
  const match = /^data:[^,]*?(;base64)?,(.*)$/s.exec(url ?? '');
  if (!match) throw new Error(`Not a data: URL: ${String(url).slice(0, 80)}`);
  return match[1] ? Buffer.from(match[2]!, 'base64').toString('utf8') : decodeURIComponent(match[2]!);
}
