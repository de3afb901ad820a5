/**
 * The playground's callback page when it is not a sign-in's first answer: a reload of a result
 * page shows that result again, and a callback no sign-in waits for says so and how to start one,
 * without the timings of an earlier sign-in. A scripted connector stands in for ours, so only
 * the playground's own handling is under test.
 */
import { type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ConnectorPlatform, ConnectorType, type SocialConnector } from '@logto/connector-kit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

import { startPlayground } from '../../playground/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A connector that sends the browser to a fixed authorize URL and signs in user-1 for any code. */
const scriptedConnector = () => {
  const getTokenResponseAndUserInfo = vi.fn(() =>
    Promise.resolve({
      userInfo: { id: 'user-1', name: 'User One', rawData: { sub: 'user-1' } },
      tokenResponse: { access_token: 'hf_oauth_access_token_value', token_type: 'bearer' },
    })
  );
  const connector = {
    metadata: {
      id: 'scripted',
      target: 'huggingface',
      platform: ConnectorPlatform.Universal,
      name: { en: 'Scripted' },
      logo: '',
      logoDark: null,
      description: { en: 'Scripted' },
      readme: '',
      formItems: [],
    },
    type: ConnectorType.Social,
    configGuard: z.object({}).passthrough(),
    getAuthorizationUri: ({ state }: { state: string }) =>
      Promise.resolve(`https://hub.example/oauth/authorize?state=${encodeURIComponent(state)}`),
    getUserInfo: () => Promise.resolve({ id: 'user-1' }),
    getTokenResponseAndUserInfo,
  } as unknown as SocialConnector;
  return { connector, getTokenResponseAndUserInfo };
};

let server: Server;
let origin: string;
let tokenCalls: ReturnType<typeof scriptedConnector>['getTokenResponseAndUserInfo'];

beforeEach(async () => {
  const scripted = scriptedConnector();
  tokenCalls = scripted.getTokenResponseAndUserInfo;
  ({ server, origin } = await startPlayground(
    {
      createConnector: () => Promise.resolve(scripted.connector),
      settings: {},
      modeLabel: 'Scripted connector',
      logoPath: path.join(root, 'logo.svg'),
      hints: [],
    },
    0
  ));
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** One browser: its cookie, kept from the first answer on. */
const browser = () => {
  let cookie: string | undefined;
  return async (pathname: string) => {
    const response = await fetch(new URL(pathname, origin), {
      redirect: 'manual',
      headers: cookie ? { cookie } : {},
    });
    cookie ??= response.headers.get('set-cookie')?.split(';')[0];
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  };
};

/** Starts a sign-in in `open`'s browser and returns the callback path Hugging Face would send it to. */
const startSignIn = async (open: ReturnType<typeof browser>) => {
  const { status, location } = await open('/sign-in');
  expect(status).toBe(302);
  const state = new URL(location ?? '').searchParams.get('state') ?? '';
  return `/callback?code=code-1&state=${encodeURIComponent(state)}`;
};

describe('the callback page', () => {
  it('shows the same result when the result page is reloaded, without signing in again', async () => {
    const open = browser();
    const callback = await startSignIn(open);
    const first = await open(callback);
    const reloaded = await open(callback);

    expect(first.body).toContain('Signed in with Hugging Face');
    expect(reloaded.status).toBe(200);
    expect(reloaded.body).toBe(first.body);
    expect(tokenCalls).toHaveBeenCalledTimes(1);
  });

  it('opened directly after a sign-in, says no sign-in waits for it, with no timings', async () => {
    const open = browser();
    await open(await startSignIn(open));
    const direct = await open('/callback');

    expect(direct.status).toBe(400);
    expect(direct.body).toContain('No sign-in is waiting for this answer');
    expect(direct.body).toContain('href="/sign-in"');
    expect(direct.body).not.toContain('Timings');
    expect(tokenCalls).toHaveBeenCalledTimes(1);
  });

  it("answers another browser's callback the same way, and keeps that browser's sign-in going", async () => {
    const first = browser();
    const callback = await startSignIn(first);
    const other = browser();
    await other('/');

    const foreign = await other(callback);
    expect(foreign.status).toBe(400);
    expect(foreign.body).toContain('No sign-in is waiting for this answer');
    expect(tokenCalls).not.toHaveBeenCalled();

    expect((await first(callback)).body).toContain('Signed in with Hugging Face');
  });
});
