/**
 * This connector inside a real Logto, driven as its admins, its sign-in page and its Account
 * Center do. Token storage and its refresh are proven in refresh-race.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { demoUsers, driveSignIn, userNamed, type DemoUser } from '../../stand-in/index.js';

import { ExperienceClient } from './support/experience.js';
import { expectStatus, requestJson } from './support/http.js';
import { addConnector, factoryId, repoRoot, startLogto, target, type RealLogto } from './support/logto.js';
import { signInOnSignInPage } from './support/sign-in-page.js';

const hfApp = { clientId: 'logto-real-app', clientSecret: 'real-logto-client-secret-7f3a' };
const config = { clientId: hfApp.clientId, clientSecret: hfApp.clientSecret, scope: 'openid profile email' };

/** Signs up with a password, then links Hugging Face in the Account Center. */
const grace: DemoUser = {
  sub: '64b7f0a1c2d3e4f5a6b7c804',
  preferred_username: 'grace',
  name: 'Grace Hopper',
  email: 'grace@example.com',
  email_verified: true,
  isPro: false,
  orgs: [],
};
const ada = userNamed('ada');

/**
 * From Logto 1.43 on (the `unified-callback` build), the Account Center sends the user to Hugging
 * Face with the sign-in page's callback URL and a `state` starting with `ac_`, the sign-in page's
 * starts with `se_`, and core routes the callback by that prefix (packages/core/src/routes/callback.ts).
 */
const unifiedCallback = process.env.REAL_LOGTO_BUILD === 'unified-callback';

type LogtoUser = { primaryEmail: string | null; identities: Record<string, { userId: string }> };

let logto: RealLogto;
let connectorId: string | undefined;
/** The admin's setup of test 1, done once; each later test runs alone as well. */
const ourConnector = async () => (connectorId ??= await addConnector(logto, config));
const getUser = async (id: string) => logto.admin<LogtoUser>('GET', `/api/users/${id}`);

beforeAll(async () => {
  logto = await startLogto({ hub: { clients: [hfApp], users: [...demoUsers, grace] } });
});

afterAll(async () => {
  await (logto as RealLogto | undefined)?.stop();
});

describe('in a real Logto', { concurrent: false }, () => {
  it('1. the admin lists the factory, is refused a comma-separated scope, creates the connector and adds it to the sign-in experience', async () => {
    const factories = await logto.admin<Array<{ id: string }>>('GET', '/api/connector-factories');
    expect(factories.find(({ id }) => id === factoryId)).toMatchObject({ target, platform: 'Universal', isTokenStorageSupported: true });

    const refused = await logto.management('POST', '/api/connectors', { connectorId: factoryId, config: { ...config, scope: 'profile, email' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'connector.invalid_config' });
    expect(JSON.stringify(refused.body)).toContain('Scopes are separated by spaces, not commas');

    const id = await ourConnector();
    const listed = await logto.admin<Array<{ id: string }>>('GET', '/api/connectors');
    expect(listed.find((connector) => connector.id === id)).toMatchObject({ connectorId: factoryId, target, enableTokenStorage: true });
    expect(await logto.admin('GET', '/api/sign-in-exp')).toMatchObject({ socialSignInConnectorTargets: [target] });
    const shown = expectStatus(await requestJson<{ socialConnectors: Array<{ id: string }> }>(`${logto.endpoint}/api/.well-known/sign-in-exp`), 200, 'public sign-in-exp');
    expect(shown.socialConnectors.map((connector) => connector.id)).toContain(id);
  });

  it('2. a user signs up with PKCE and in again as the same Logto user; cancelling at Hugging Face is a 4xx', async () => {
    const id = await ourConnector();
    const first = await new ExperienceClient(logto.endpoint).signInWithSocial(id, { username: 'ada' });
    expect(first.registered).toBe(true);
    expect(logto.hub.lastAuthorizationParams).toMatchObject({ code_challenge_method: 'S256', code_challenge: expect.stringMatching(/^[\w-]{43}$/) });
    expect(await getUser(first.userId)).toMatchObject({ primaryEmail: ada.email, identities: { [target]: { userId: ada.sub } } });

    const again = await new ExperienceClient(logto.endpoint).signInWithSocial(id, { username: 'ada' });
    expect(again).toMatchObject({ registered: false, userId: first.userId });

    const cancelled = await (await new ExperienceClient(logto.endpoint).startSocial(id, { cancel: true })).verify();
    expect(cancelled.status).toBeGreaterThanOrEqual(400);
    expect(cancelled.status).toBeLessThan(500);
    expect(cancelled.body.code).toMatch(/^connector\./);
  });

  it("3. in Logto's own sign-in page (Chromium), Continue with Hugging Face shows our logo, goes to Hugging Face and back, and the app is signed in", async () => {
    const id = await ourConnector();
    const logo = await readFile(path.join(repoRoot, 'logo.svg'), 'utf8');
    const onButton = async (button: Locator) => {
      const [, base64, data] = /^data:[^,]*?(;base64)?,(.*)$/s.exec((await button.locator('img').getAttribute('src')) ?? '') ?? [];
      expect(base64 ? Buffer.from(data!, 'base64').toString('utf8') : decodeURIComponent(data ?? '')).toBe(logo);
    };
    const shownId = await signInOnSignInPage({ endpoint: logto.endpoint, hub: logto.hub, username: 'ada', screenshots: 'real-logto', onButton });
    expect((await getUser(shownId)).identities[target]?.userId).toBe(ada.sub);
    expect(logto.hub.lastAuthorizationParams?.redirect_uri).toBe(`${logto.endpoint}/callback/${id}`);
    if (unifiedCallback) expect(logto.hub.lastAuthorizationParams?.state).toMatch(/^se_/);
  });

  it('4. a password user links Hugging Face in the Account Center, then signs in with it as the same user', async () => {
    const id = await ourConnector();
    // The pwned-password check asks a server outside loopback.
    await logto.admin('PATCH', '/api/sign-in-exp', { passwordPolicy: { rejects: { pwned: false } } });
    await logto.admin('PATCH', '/api/account-center', { enabled: true, fields: { social: 'Edit' } });
    const password = 'Correct-Horse-Battery-42';
    const signedUp = await new ExperienceClient(logto.endpoint).registerWithPassword('grace_pw', password);

    // What the Account Center posts (packages/account: apis/verification.ts, apis/social.ts, pages/SocialFlow, pages/SocialCallback).
    const account = async (pathname: string, json: unknown, headers: Record<string, string> = {}) =>
      requestJson<Record<string, string>>(`${logto.endpoint}${pathname}`, { method: 'POST', json, headers: { authorization: `Bearer ${signedUp.access_token}`, ...headers } });
    const identity = expectStatus(await account('/api/verifications/password', { password }), 201, 'password verification');
    const state = `${unifiedCallback ? 'ac_' : ''}${randomUUID().replaceAll('-', '')}`;
    const redirectUri = unifiedCallback ? `${logto.endpoint}/callback/${id}` : `${logto.endpoint}/account/callback/social/${id}`;
    const social = expectStatus(await account('/api/verifications/social', { connectorId: id, state, redirectUri }), 201, 'social verification');
    let query = await driveSignIn(social.authorizationUri!, redirectUri, { username: 'grace' });
    expect(logto.hub.lastAuthorizationParams?.redirect_uri).toBe(redirectUri);
    if (unifiedCallback) {
      // Hugging Face sends the browser to the shared callback URL; core sends an `ac_` state on to the Account Center's page.
      const hop = await fetch(`${redirectUri}?${new URLSearchParams(query).toString()}`, { redirect: 'manual' });
      expect(hop.status).toBe(303);
      const landed = new URL(hop.headers.get('location') ?? '', logto.endpoint);
      expect(landed.pathname).toBe(`/account/callback/social/${id}`);
      query = Object.fromEntries(landed.searchParams);
    }
    expect(query.state).toBe(state);
    const { verificationRecordId } = social;
    expectStatus(await account('/api/verifications/social/verify', { verificationRecordId, connectorData: { ...query, redirectUri } }), 200, 'social verify');
    const link = { newIdentifierVerificationRecordId: verificationRecordId };
    expectStatus(await account('/api/my-account/identities', link, { 'logto-verification-id': identity.verificationRecordId! }), 204, 'link the identity');
    expect((await getUser(signedUp.userId)).identities[target]?.userId).toBe(grace.sub);

    const viaHuggingFace = await new ExperienceClient(logto.endpoint).signInWithSocial(id, { username: 'grace' });
    expect(viaHuggingFace).toMatchObject({ registered: false, userId: signedUp.userId });
  });
});
