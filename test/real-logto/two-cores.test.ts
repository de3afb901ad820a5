/**
 * Logto scaled out: two core processes on one database behind a load balancer without session
 * affinity (support/proxy.ts), both with `ENDPOINT` set to the balancer. Users sign in through
 * Logto's own sign-in page in Chromium while the balancer sends the sign-in's authorization step
 * to one core and its callback to the other, and an admin's config change made through one core
 * is used by the other.
 *
 * What each core keeps for itself (packages/core/src): connector configs are read from the
 * database on every use (libraries/connector.ts `getConnectorConfig`); the list of connectors
 * the sign-in page shows is cached per process for up to 60 s (queries/connector.ts
 * `findAllConnectorsWellKnown`, env-set `new TtlCache(60_000)`), unless Logto runs with Redis.
 * The connector itself keeps every sign-in's values in the interaction Logto stores in the
 * database, so either core can finish what the other started.
 */
import { once } from 'node:events';
import type http from 'node:http';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../support/chromium.js';

import { demoUsers, type RefreshTokenReuse, userNamed } from '../../stand-in/index.js';
import { packPackage, releasePackedPackage } from '../logto/pack.js';

import {
  createDatabase,
  createUndoStack,
  expireStoredTokenSet,
  ExperienceClient,
  expectStatus,
  installConnector,
  LogtoCore,
  logtoDir,
  ManagementApi,
  repoRoot,
  startHub,
  tokenOwner,
  type Hub,
  type HubOptions,
  requestJson,
  type LogtoDatabase,
} from './support/index.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/proxy.js';
import { signInOnSignInPage } from './support/sign-in-page.js';

const screenshots = path.join(repoRoot, 'test-results', 'real-logto-two-cores');
const factoryId = 'huggingface-oidc-universal';
const target = 'huggingface';
const hfApp = { clientId: 'logto-two-cores-app', clientSecret: 'two-cores-client-secret-5c1e' };
const config = { clientId: hfApp.clientId, clientSecret: hfApp.clientSecret, scope: 'openid profile email' };

/** The sign-in page's two calls into the connector (packages/experience: apis/experience/social.ts). */
const authorizationStep = /^\/api\/experience\/verification\/social\/[^/]+\/authorization-uri$/;
const callbackStep = /^\/api\/experience\/verification\/social\/[^/]+\/verify$/;

const firstPort = Number(process.env.REAL_LOGTO_PORT ?? 3301);
const firstAdminPort = Number(process.env.REAL_LOGTO_ADMIN_PORT ?? 3302);
const ports = { A: [firstPort, firstAdminPort], B: [firstPort + 20, firstAdminPort + 20] } as const;

/** Two cores on one database behind the balancer, with our connector (token storage on) in the sign-in experience. */
type TwoCores = {
  db: LogtoDatabase;
  hub: Hub;
  proxy: RoundRobinProxy;
  coreA: LogtoCore;
  coreB: LogtoCore;
  managementA: ManagementApi;
  managementB: ManagementApi;
  connectorId: string;
  /** The core that served each request whose path (without query) matches. */
  servedBy(pattern: RegExp): string[];
  stop(): Promise<void>;
};

/**
 * Seeds a database and starts the stand-in, the balancer (the authorization step always to A,
 * the callback always to B, the rest in turn) and core A; creates the connector through A; then
 * starts core B, so that B's per-process list of connectors already holds it. Whatever was
 * started is stopped when a later step fails.
 */
const startTwoCores = async (hubOptions: Omit<HubOptions, 'clients'> = {}): Promise<TwoCores> => {
  const dir = logtoDir();
  const undo = createUndoStack();
  const stop = async () => undo.undo();
  try {
    const db = await createDatabase({ logtoDir: dir, prefix: 'logto_rl2_' });
    undo.push(() => db.drop());
    const hub = await startHub({ clients: [hfApp], users: demoUsers, ...hubOptions });
    undo.push(() => hub.close());
    const proxy = await startRoundRobinProxy(
      [
        { name: 'A', port: ports.A[0] },
        { name: 'B', port: ports.B[0] },
      ],
      (method, requestPath) => {
        const pathname = requestPath.split('?')[0]!;
        if (method === 'POST' && authorizationStep.test(pathname)) return 'A';
        if (method === 'POST' && callbackStep.test(pathname)) return 'B';
        return undefined;
      },
    );
    undo.push(() => proxy.close());
    const coreOf = ([port, adminPort]: readonly [number, number]) =>
      new LogtoCore({ logtoDir: dir, dbUrl: db.url, port, adminPort, env: { ...hub.coreEnv, ENDPOINT: proxy.url } });
    const coreA = coreOf(ports.A);
    const coreB = coreOf(ports.B);
    undo.push(() => coreA.stop());
    await coreA.start();
    const managementA = await ManagementApi.connect(coreA, db);
    const created = expectStatus(
      await managementA.request<{ id: string }>('POST', '/api/connectors', { connectorId: factoryId, config, enableTokenStorage: true }),
      200,
      'create connector through A',
    );
    expectStatus(await managementA.request('PATCH', '/api/sign-in-exp', { socialSignInConnectorTargets: [target] }), 200, 'add to sign-in experience');
    expectStatus(await managementA.request('PATCH', '/api/account-center', { enabled: true }), 200, 'enable the Account Center');
    undo.push(() => coreB.stop());
    await coreB.start();
    const managementB = await ManagementApi.connect(coreB, db);
    return {
      db,
      hub,
      proxy,
      coreA,
      coreB,
      managementA,
      managementB,
      connectorId: created.id,
      servedBy: (pattern) => proxy.served.filter((entry) => pattern.test(entry.path.split('?')[0]!)).map((entry) => entry.upstream),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

beforeAll(async () => {
  const packed = await packPackage();
  try {
    // Both cores run from this LOGTO_DIR: one install serves both.
    await installConnector(logtoDir(), packed.tarball);
  } finally {
    await releasePackedPackage();
  }
});

describe('two Logto cores on one database', { concurrent: false }, () => {
  let cores: TwoCores;
  beforeAll(async () => {
    cores = await startTwoCores();
  });
  afterAll(async () => {
    // Unset when beforeAll failed before assigning it.
    await (cores as TwoCores | undefined)?.stop();
  });

  it("signs a user in through Logto's sign-in page when one core starts the sign-in and the other finishes it", async () => {
    const ada = userNamed('ada', demoUsers);
    const browser = await launchChromium(cores.hub.chromiumArgs);
    try {
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US' })).newPage();
      const userId = await signInOnSignInPage(page, { endpoint: cores.proxy.url, hubUrl: cores.hub.url, username: 'ada', screenshots });
      expect(cores.servedBy(authorizationStep)).toEqual(['A']);
      expect(cores.servedBy(callbackStep)).toEqual(['B']);
      expect(new Set(cores.proxy.served.map((entry) => entry.upstream))).toEqual(new Set(['A', 'B']));
      const user = expectStatus(
        await cores.managementB.request<{ identities: Record<string, { userId: string }> }>('GET', `/api/users/${userId}`),
        200,
        'the user, through B',
      );
      expect(user.identities[target]?.userId).toBe(ada.sub);
      expect(cores.hub.lastAuthorizationParams?.redirect_uri).toBe(`${cores.proxy.url}/callback/${cores.connectorId}`);
    } finally {
      await browser.close();
    }
  });

  it('uses a config saved through one core in the other at once: connector configs are read from the database on every use', async () => {
    // Without an organization rule, the outsider signs in; the callback is B's.
    const before = await new ExperienceClient(cores.proxy.url).signInWithSocial(cores.connectorId, { username: 'outsider' });
    expect(before.registered).toBe(true);
    expect(cores.servedBy(callbackStep).at(-1)).toBe('B');

    expectStatus(
      await cores.managementA.request('PATCH', `/api/connectors/${cores.connectorId}`, { config: { ...config, authorizedOrgs: 'ml-lab' } }),
      200,
      'require ml-lab through A',
    );
    try {
      // At once, with no wait: B refuses the outsider under the rule saved through A.
      const after = await new ExperienceClient(cores.proxy.url).socialCallback(cores.connectorId, { username: 'outsider' });
      expect(cores.servedBy(callbackStep).at(-1)).toBe('B');
      expect(after.verify.status).toBe(401);
      expect(after.verify.body.code).toBe('connector.authorization_failed');
    } finally {
      expectStatus(await cores.managementB.request('PATCH', `/api/connectors/${cores.connectorId}`, { config }), 200, 'reset config through B');
    }
  });
});

/**
 * Holds the token requests that reach the stand-in until `expected` have arrived, then lets them
 * through one at a time, each after the one before was answered: a Hugging Face that handles one
 * refresh token's requests one after the other, with both requests in flight before either is
 * answered, every run. Nothing is held once the gate is open.
 */
const createTokenGate = (expected: number) => {
  const waiting: Array<{ release: () => void; answered: Promise<unknown> }> = [];
  let open = false;
  const releaseInTurn = async () => {
    open = true;
    for (const request of waiting) {
      request.release();
      // eslint-disable-next-line no-await-in-loop -- each request goes through after the one before was answered
      await request.answered;
    }
  };
  return {
    async hold(response: http.ServerResponse): Promise<void> {
      if (open) return;
      const released = new Promise<void>((resolve) => {
        waiting.push({ release: resolve, answered: once(response, 'finish') });
      });
      if (waiting.length === expected) void releaseInTurn();
      await released;
    },
  };
};

/**
 * The refresh race across processes: an app reads its stored Hugging Face token from both cores
 * at the moment it expired. The connector makes concurrent refreshes one only within a process,
 * so each core sends its own refresh with the same refresh token; Hugging Face rotates refresh
 * tokens, so the second presents a token the first rotated out.
 */
describe.each<RefreshTokenReuse>(['reject', 'revoke-grant'])(
  'the refresh race across two cores, Hugging Face answering a reused refresh token with %s',
  (refreshTokenReuse) => {
    let cores: TwoCores;
    let gate: ReturnType<typeof createTokenGate> | undefined;
    beforeAll(async () => {
      cores = await startTwoCores({ refreshTokenReuse, beforeTokenRequest: async (response) => gate?.hold(response) });
    });
    afterAll(async () => {
      // Unset when beforeAll failed before assigning it.
      await (cores as TwoCores | undefined)?.stop();
    });

    type StoredToken = { access_token?: string; code?: string };
    /** The app's read of its stored token, sent straight to one core. */
    const readAt = async (core: LogtoCore, appAccessToken: string) =>
      requestJson<StoredToken>(`${core.endpoint}/api/my-account/identities/${target}/access-token`, {
        headers: { authorization: `Bearer ${appAccessToken}` },
      });

    it('each core refreshes on its own: one read gets a new token, the other is refused', async () => {
      const ada = userNamed('ada', demoUsers);
      const app = await new ExperienceClient(cores.proxy.url).signInWithSocial(cores.connectorId, { username: 'ada' });
      expectStatus(await readAt(cores.coreA, app.access_token), 200, 'stored token before expiry');
      await expireStoredTokenSet(cores.db, app.userId);
      cores.hub.resetCounts();

      gate = createTokenGate(2);
      const reads = await Promise.all([readAt(cores.coreA, app.access_token), readAt(cores.coreB, app.access_token)]);
      gate = undefined;

      expect(cores.hub.requestCounts['/oauth/token'], 'refresh requests at Hugging Face').toBe(2);
      const outcomes = reads.map(({ status, body }) => ({ status, code: body.code })).sort((a, b) => a.status - b.status);
      expect(outcomes).toEqual([
        { status: 200, code: undefined },
        { status: 401, code: 'connector.social_invalid_access_token' },
      ]);
      const issued = reads.find(({ status }) => status === 200)!.body.access_token!;

      if (refreshTokenReuse === 'reject') {
        // Only the rotated-out token was refused: the set the first refresh stored works, and refreshes.
        const after = expectStatus(await readAt(cores.coreB, app.access_token), 200, 'read after the race');
        expect(after.access_token).toBe(issued);
        expect(await tokenOwner(cores.hub, issued)).toBe(ada.sub);
        await expireStoredTokenSet(cores.db, app.userId);
        const next = await readAt(cores.coreA, app.access_token);
        expect({ status: next.status, code: next.body.code }).toEqual({ status: 200, code: undefined });
        expect(await tokenOwner(cores.hub, next.body.access_token!)).toBe(ada.sub);
      } else {
        // Reuse detected: Hugging Face revoked the grant, the set the first refresh stored with it.
        expect(await tokenOwner(cores.hub, issued)).toBeUndefined();
        await expireStoredTokenSet(cores.db, app.userId);
        const next = await readAt(cores.coreA, app.access_token);
        expect({ status: next.status, code: next.body.code }).toEqual({ status: 401, code: 'connector.social_invalid_access_token' });
      }
    });
  },
);
