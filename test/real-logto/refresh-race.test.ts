/**
 * Concurrent reads of a stored Hugging Face token after it expired, in a real Logto
 * (`npm run test:logto`).
 *
 * Logto refreshes a stored token set lazily and without a lock: every Account API read of
 * `/api/my-account/identities/huggingface/access-token` that finds the set expired calls the
 * connector's `getAccessTokenByRefreshToken` with the refresh token it read
 * (`packages/core/src/routes/account/third-party-tokens.ts`, `libraries/social.ts`
 * `refreshTokenSetSecret`), and writes the answer back. Hugging Face rotates refresh tokens on
 * use; whether it also revokes the grant when a rotated-out token comes back (reuse detection,
 * RFC 9700 4.14.2) is not documented, so each case runs against a stand-in that does and one
 * that only refuses the token, each in a Logto of its own.
 *
 * The stored set is made to expire in Logto's database (its `expiresAt`, whole seconds, moved
 * into the past), so no test waits for a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RefreshTokenReuse, userNamed } from '../../stand-in/index.js';
import { packPackage, releasePackedPackage, type PackedPackage } from '../logto/pack.js';

import { until } from '../support/fake-clock.js';

import { ExperienceClient, expectStatus, expireStoredTokenSet, requestJson, startRealLogto, tokenOwner, type RealLogto } from './support/index.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/proxy.js';

const factoryId = 'huggingface-oidc-universal';
const target = 'huggingface';
const hfApp = { clientId: 'logto-refresh-race-app', clientSecret: 'refresh-race-client-secret-3d8b' };
const config = { clientId: hfApp.clientId, clientSecret: hfApp.clientSecret, scope: 'profile' };

/** How many reads an app sends at once: a page that loads a few calls to Hugging Face in parallel. */
const concurrentReads = 8;

type StoredToken = { access_token: string; expires_in?: number; token_type?: string; scope?: string };
type LogtoError = { code?: string; message?: string };

let packed: PackedPackage;

beforeAll(async () => {
  packed = await packPackage();
});

afterAll(async () => {
  await releasePackedPackage();
});

describe.each<RefreshTokenReuse>(['revoke-grant', 'reject'])(
  'in a real Logto, Hugging Face answering a reused refresh token with %s',
  (refreshTokenReuse) => {
    let logto: RealLogto;
    let connectorId: string;
    /** The app's reads go through it, so the test knows when they have all reached Logto. */
    let proxy: RoundRobinProxy;
    /** While set, a token request waits at Hugging Face until it holds. */
    let holdTokenRequestsUntil: (() => boolean) | undefined;

    beforeAll(async () => {
      logto = await startRealLogto({
        hub: {
          clients: [hfApp],
          refreshTokenReuse,
          beforeTokenRequest: async () => {
            if (holdTokenRequestsUntil) await until(holdTokenRequestsUntil);
          },
        },
      });
      proxy = await startRoundRobinProxy([{ name: 'core', port: logto.core.port }]);
      await logto.installConnector(packed.tarball);
      const created = expectStatus(
        await logto.management.request<{ id: string }>('POST', '/api/connectors', { connectorId: factoryId, config, enableTokenStorage: true }),
        200,
        'create connector',
      );
      connectorId = created.id;
      expectStatus(
        await logto.management.request('PATCH', '/api/sign-in-exp', { socialSignInConnectorTargets: [target] }),
        200,
        'add to sign-in experience',
      );
      expectStatus(await logto.management.request('PATCH', '/api/account-center', { enabled: true }), 200, 'enable the Account Center');
    });

    afterAll(async () => {
      // Unset when beforeAll failed before assigning it.
      await (proxy as RoundRobinProxy | undefined)?.close();
      await (logto as RealLogto | undefined)?.stop();
    });

    /** The app's read of the stored token, as its status and body. */
    const read = async (appAccessToken: string) =>
      requestJson<StoredToken & LogtoError>(`${proxy.url}/api/my-account/identities/${target}/access-token`, {
        headers: { authorization: `Bearer ${appAccessToken}` },
      });

    it(`${concurrentReads} concurrent Account API reads after expiry all get the one new token, one refresh reaches Hugging Face, and the stored set keeps working`, async () => {
      const ada = userNamed('ada');
      const app = await new ExperienceClient(logto.core.endpoint).signInWithSocial(connectorId, { username: 'ada' });
      const first = expectStatus(await read(app.access_token), 200, 'stored access token');
      await expireStoredTokenSet(logto.db, app.userId);
      logto.hub.resetCounts();

      // The first refresh is answered only once every read has reached Logto, so each finds the set expired.
      const arrivedBefore = proxy.received;
      holdTokenRequestsUntil = () => proxy.received >= arrivedBefore + concurrentReads;
      const burst = await Promise.all(Array.from({ length: concurrentReads }, async () => read(app.access_token)));
      holdTokenRequestsUntil = undefined;

      const outcomes = burst.map(({ status, body }) => ({ status, code: body.code }));
      expect(outcomes).toEqual(Array.from({ length: concurrentReads }, () => ({ status: 200, code: undefined })));
      const refreshed = burst[0]!.body.access_token;
      expect(refreshed).not.toBe(first.access_token);
      expect(burst.map(({ body }) => body.access_token)).toEqual(Array.from({ length: concurrentReads }, () => refreshed));
      expect(logto.hub.requestCounts['/oauth/token'], 'refresh requests at Hugging Face').toBe(1);
      expect(await tokenOwner(logto.hub, refreshed)).toBe(ada.sub);

      // A later read gets the stored token as it is.
      const later = expectStatus(await read(app.access_token), 200, 'later read');
      expect(later.access_token).toBe(refreshed);
      expect(logto.hub.requestCounts['/oauth/token'], 'refresh requests at Hugging Face').toBe(1);

      // A later refresh presents the refresh token the burst stored, which Hugging Face honours.
      await expireStoredTokenSet(logto.db, app.userId);
      const next = await read(app.access_token);
      expect({ status: next.status, code: next.body.code }).toEqual({ status: 200, code: undefined });
      expect(next.body.access_token).not.toBe(refreshed);
      expect(logto.hub.requestCounts['/oauth/token'], 'refresh requests at Hugging Face').toBe(2);
      expect(await tokenOwner(logto.hub, next.body.access_token)).toBe(ada.sub);
    });
  },
);
