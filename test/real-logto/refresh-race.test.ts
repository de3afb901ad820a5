/**
 * Reads of a stored Hugging Face token as it expires, in a real Logto of two cores on one
 * database. Logto refreshes a stored set lazily and without a lock: every Account API read that
 * finds it expired calls the connector's `getAccessTokenByRefreshToken` with the refresh token it
 * read (packages/core/src: routes/account/third-party-tokens.ts, libraries/social.ts
 * `refreshTokenSetSecret`). Hugging Face rotates refresh tokens; whether it also revokes the grant
 * when a rotated-out one comes back (RFC 9700 4.14.2) is not documented, so each case runs against
 * a stand-in that does and one that only refuses the token.
 *
 * The stored set expires by moving its `expiresAt` in Logto's database, so no test waits for a clock.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { userNamed, type RefreshTokenReuse } from '../../stand-in/index.js';
import { until } from '../support/fake-clock.js';

import { ExperienceClient, type AppTokens } from './support/experience.js';
import { expectStatus, requestJson } from './support/http.js';
import { expireStoredTokenSet, startLogto, target, tokenOwner, type RealLogto } from './support/logto.js';

const hfApp = { clientId: 'logto-refresh-race-app', clientSecret: 'refresh-race-client-secret-3d8b' };
const config = { clientId: hfApp.clientId, clientSecret: hfApp.clientSecret, scope: 'profile' };
const refused = { status: 401, code: 'connector.social_invalid_access_token' };
const answered = { status: 200, code: undefined };

describe.each<{ reuse: RefreshTokenReuse; grantKept: boolean }>([
  // Reuse detected: Hugging Face revokes the grant, with the set the winning refresh stored.
  { reuse: 'revoke-grant', grantKept: false },
  // Only the rotated-out token is refused: the set the winning refresh stored works, and refreshes.
  { reuse: 'reject', grantKept: true },
])('in a real Logto, Hugging Face answering a reused refresh token with $reuse', ({ reuse, grantKept }) => {
  let logto: RealLogto;
  /** While set, token requests wait at the stand-in until it holds, then go through one at a time. */
  let holdUntil: (() => boolean) | undefined;
  let lastAnswered: Promise<unknown> = Promise.resolve();

  beforeAll(async () => {
    const beforeTokenRequest = async (response: ServerResponse) => {
      if (!holdUntil) return;
      const before = lastAnswered;
      lastAnswered = Promise.all([before, once(response, 'finish')]);
      await until(holdUntil);
      await before;
    };
    logto = await startLogto({ cores: 2, connector: config, hub: { clients: [hfApp], refreshTokenReuse: reuse, beforeTokenRequest } });
  });

  afterAll(async () => {
    await (logto as RealLogto | undefined)?.stop();
  });

  const signIn = async (username: string) => new ExperienceClient(logto.endpoint).signInWithSocial(logto.connectorId, { username });
  /** The app's read of its stored token at one core. */
  const read = async (core: 'A' | 'B', app: AppTokens) =>
    requestJson<{ access_token: string; expires_in?: number; code?: string }>(`${logto.endpoint}/api/my-account/identities/${target}/access-token`, {
      headers: { authorization: `Bearer ${app.access_token}`, 'x-core': core },
    });
  const refreshes = () => logto.hub.requestCounts['/oauth/token'] ?? 0;

  it('8 concurrent reads at one core after expiry all get the one new token, one refresh reaches Hugging Face, and the stored set keeps working', async () => {
    const app = await signIn('ada');
    const first = expectStatus(await read('A', app), 200, 'stored token');
    expect(first.expires_in).toBeGreaterThan(0);
    expect(await tokenOwner(logto.hub, first.access_token)).toBe(userNamed('ada').sub);
    await expireStoredTokenSet(logto, app.userId);
    logto.hub.resetCounts();

    // The refresh is answered only once every read has reached Logto, so each finds the set expired.
    const arrived = logto.proxy.received;
    holdUntil = () => logto.proxy.received >= arrived + 8;
    const burst = await Promise.all(Array.from({ length: 8 }, async () => read('A', app)));
    holdUntil = undefined;
    const refreshed = burst[0]!.body.access_token;
    expect(burst.map(({ status, body }) => ({ status, code: body.code, token: body.access_token }))).toEqual(Array(8).fill({ ...answered, token: refreshed }));
    expect(refreshed).not.toBe(first.access_token);
    expect(refreshes(), 'refresh requests at Hugging Face').toBe(1);
    expect(await tokenOwner(logto.hub, refreshed)).toBe(userNamed('ada').sub);
    expect((await read('A', app)).body.access_token, 'a later read').toBe(refreshed);
    expect(refreshes(), 'refresh requests at Hugging Face').toBe(1);

    // The next refresh presents the refresh token the burst stored, which Hugging Face honours.
    await expireStoredTokenSet(logto, app.userId);
    const next = await read('A', app);
    expect({ status: next.status, code: next.body.code }).toEqual(answered);
    expect(next.body.access_token).not.toBe(refreshed);
    expect(refreshes(), 'refresh requests at Hugging Face').toBe(2);
    expect(await tokenOwner(logto.hub, next.body.access_token)).toBe(userNamed('ada').sub);
  });

  it('a read at each core after expiry: each core refreshes on its own, one read gets a new token and the other is refused', async () => {
    const app = await signIn('outsider');
    expectStatus(await read('A', app), 200, 'stored token');
    await expireStoredTokenSet(logto, app.userId);
    logto.hub.resetCounts();

    // Both refreshes reach Hugging Face before the first is answered; it answers them in turn.
    holdUntil = () => refreshes() >= 2;
    const reads = await Promise.all([read('A', app), read('B', app)]);
    holdUntil = undefined;
    expect(refreshes(), 'refresh requests at Hugging Face').toBe(2);
    expect(reads.map(({ status, body }) => ({ status, code: body.code })).sort((a, b) => a.status - b.status)).toEqual([answered, refused]);
    const issued = reads.find(({ status }) => status === 200)!.body.access_token;
    expect((await read('B', app)).body.access_token, 'the stored token after the race').toBe(issued);

    expect(await tokenOwner(logto.hub, issued)).toBe(grantKept ? userNamed('outsider').sub : undefined);
    await expireStoredTokenSet(logto, app.userId);
    const next = await read('A', app);
    expect({ status: next.status, code: next.body.code }).toEqual(grantKept ? answered : refused);
    if (grantKept) expect(await tokenOwner(logto.hub, next.body.access_token)).toBe(userNamed('outsider').sub);
  });
});
