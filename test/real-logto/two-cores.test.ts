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
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../support/chromium.js';

import { demoUsers, userNamed } from '../../stand-in/index.js';
import { packPackage, releasePackedPackage } from '../logto/pack.js';

import {
  createDatabase,
  ExperienceClient,
  expectStatus,
  installConnector,
  LogtoCore,
  logtoDir,
  ManagementApi,
  repoRoot,
  startHub,
  type Hub,
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

let db: LogtoDatabase | undefined;
let hub: Hub | undefined;
let proxy: RoundRobinProxy | undefined;
const cores: LogtoCore[] = [];
let managementA: ManagementApi;
let managementB: ManagementApi;
let connectorId: string;

/** The core that served each request whose path (without query) matches. */
const servedBy = (pattern: RegExp) =>
  (proxy?.served ?? []).filter((entry) => pattern.test(entry.path.split('?')[0]!)).map((entry) => entry.upstream);

beforeAll(async () => {
  const dir = logtoDir();
  db = await createDatabase({ logtoDir: dir, prefix: 'logto_rl2_' });
  hub = await startHub({ clients: [hfApp], users: demoUsers });
  // The authorization step always to A and the callback always to B; the rest in turn.
  proxy = await startRoundRobinProxy(
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
  const coreOf = ([port, adminPort]: readonly [number, number]) =>
    new LogtoCore({ logtoDir: dir, dbUrl: db!.url, port, adminPort, env: { ...hub!.coreEnv, ENDPOINT: proxy!.url } });
  const coreA = coreOf(ports.A);
  const coreB = coreOf(ports.B);
  cores.push(coreA);
  const packed = await packPackage();
  try {
    await installConnector(dir, packed.tarball);
  } finally {
    await releasePackedPackage();
  }
  await coreA.start();
  managementA = await ManagementApi.connect(coreA, db);
  const created = expectStatus(
    await managementA.request<{ id: string }>('POST', '/api/connectors', { connectorId: factoryId, config }),
    200,
    'create connector through A',
  );
  connectorId = created.id;
  expectStatus(await managementA.request('PATCH', '/api/sign-in-exp', { socialSignInConnectorTargets: [target] }), 200, 'add to sign-in experience');
  // B starts after the connector exists, so its per-process list of connectors already holds it.
  cores.push(coreB);
  await coreB.start();
  managementB = await ManagementApi.connect(coreB, db);
});

afterAll(async () => {
  for (const step of [
    ...cores.map((core) => () => core.stop()),
    () => proxy?.close(),
    () => hub?.close(),
    () => db?.drop(),
  ]) {
    // eslint-disable-next-line no-await-in-loop -- cores stop before their database is dropped
    await Promise.resolve(step()).catch((error: unknown) => console.error(error));
  }
});

describe('two Logto cores on one database', { concurrent: false }, () => {
  it("signs a user in through Logto's sign-in page when one core starts the sign-in and the other finishes it", async () => {
    const ada = userNamed('ada', demoUsers);
    const browser = await launchChromium(hub!.chromiumArgs);
    try {
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US' })).newPage();
      const userId = await signInOnSignInPage(page, { endpoint: proxy!.url, hubUrl: hub!.url, username: 'ada', screenshots });
      expect(servedBy(authorizationStep)).toEqual(['A']);
      expect(servedBy(callbackStep)).toEqual(['B']);
      expect(new Set(proxy!.served.map((entry) => entry.upstream))).toEqual(new Set(['A', 'B']));
      const user = expectStatus(
        await managementB.request<{ identities: Record<string, { userId: string }> }>('GET', `/api/users/${userId}`),
        200,
        'the user, through B',
      );
      expect(user.identities[target]?.userId).toBe(ada.sub);
      expect(hub!.lastAuthorizationParams?.redirect_uri).toBe(`${proxy!.url}/callback/${connectorId}`);
    } finally {
      await browser.close();
    }
  });

  it('uses a config saved through one core in the other at once: connector configs are read from the database on every use', async () => {
    // Without an organization rule, the outsider signs in; the callback is B's.
    const before = await new ExperienceClient(proxy!.url).signInWithSocial(connectorId, { username: 'outsider' });
    expect(before.registered).toBe(true);
    expect(servedBy(callbackStep).at(-1)).toBe('B');

    expectStatus(
      await managementA.request('PATCH', `/api/connectors/${connectorId}`, { config: { ...config, authorizedOrgs: 'ml-lab' } }),
      200,
      'require ml-lab through A',
    );
    try {
      // At once, with no wait: B refuses the outsider under the rule saved through A.
      const after = await new ExperienceClient(proxy!.url).socialCallback(connectorId, { username: 'outsider' });
      expect(servedBy(callbackStep).at(-1)).toBe('B');
      expect(after.verify.status).toBe(401);
      expect(after.verify.body.code).toBe('connector.authorization_failed');
    } finally {
      expectStatus(await managementB.request('PATCH', `/api/connectors/${connectorId}`, { config }), 200, 'reset config through B');
    }
  });
});
