/**
 * Logto scaled out: two cores on one database behind a proxy without session affinity, their
 * `ENDPOINT`, which sends the sign-in page's authorization step to core A and its callback to
 * core B. The refresh race across the two is in refresh-race.test.ts.
 *
 * What each core keeps for itself (packages/core/src): connector configs are read from the
 * database on every use (libraries/connector.ts `getConnectorConfig`); the list of connectors the
 * sign-in page shows is cached per process for up to 60 s (queries/connector.ts
 * `findAllConnectorsWellKnown`, `new TtlCache(60_000)`), unless Logto runs with Redis. The
 * connector keeps each sign-in's values in the interaction Logto stores in the database, so
 * either core can finish what the other started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { userNamed } from '../../stand-in/index.js';

import { ExperienceClient } from './support/experience.js';
import { authorizationStep, callbackStep, startLogto, target, type RealLogto } from './support/logto.js';
import { signInOnSignInPage } from './support/sign-in-page.js';

const hfApp = { clientId: 'logto-two-cores-app', clientSecret: 'two-cores-client-secret-5c1e' };
const config = { clientId: hfApp.clientId, clientSecret: hfApp.clientSecret, scope: 'openid profile email' };

let logto: RealLogto;

beforeAll(async () => {
  logto = await startLogto({ cores: 2, connector: config, hub: { clients: [hfApp] } });
});

afterAll(async () => {
  await (logto as RealLogto | undefined)?.stop();
});

describe('two Logto cores on one database', { concurrent: false }, () => {
  it("signs a user in through Logto's sign-in page when one core starts the sign-in and the other finishes it", async () => {
    const userId = await signInOnSignInPage({ endpoint: logto.endpoint, hub: logto.hub, username: 'ada', screenshots: 'real-logto-two-cores' });
    expect(logto.proxy.servedBy(authorizationStep)).toEqual(['A']);
    expect(logto.proxy.servedBy(callbackStep)).toEqual(['B']);
    const user = await logto.admin<{ identities: Record<string, { userId: string }> }>('GET', `/api/users/${userId}`);
    expect(user.identities[target]?.userId).toBe(userNamed('ada').sub);
    expect(logto.hub.lastAuthorizationParams?.redirect_uri).toBe(`${logto.endpoint}/callback/${logto.connectorId}`);
  });

  it('uses a config saved through one core in the other at once', async () => {
    const before = await new ExperienceClient(logto.endpoint).signInWithSocial(logto.connectorId, { username: 'outsider' });
    expect(before.registered).toBe(true);
    expect(logto.proxy.servedBy(callbackStep).at(-1)).toBe('B');

    await logto.admin('PATCH', `/api/connectors/${logto.connectorId}`, { config: { ...config, authorizedOrgs: 'ml-lab' } });
    const after = await (await new ExperienceClient(logto.endpoint).startSocial(logto.connectorId, { username: 'outsider' })).verify();
    expect(logto.proxy.servedBy(callbackStep).at(-1)).toBe('B');
    // Logto answers with its own phrase as `message`, and the connector's message in `data`.
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({
      code: 'connector.authorization_failed',
      data: { errorDescription: expect.stringContaining('not a member of an authorized organization (ml-lab)') },
    });
  });
});
