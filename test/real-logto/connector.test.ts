/**
 * This connector inside a real Logto (built from Logto's source, `LOGTO_DIR`), installed with
 * Logto's CLI from the packed tarball, against the Hugging Face stand-in served as
 * `https://huggingface.co`. Each test drives Logto as its admins, its sign-in page and its
 * Account Center do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { demoUsers, type DemoUser } from '../support/hf-stand-in.js';
import { packPackage, releasePackedPackage } from '../logto/pack.js';

import { ExperienceClient, expectStatus, startRealLogto, type RealLogto } from './support/index.js';

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
const user = (name: string) => {
  const found = [...demoUsers, grace].find((candidate) => candidate.preferred_username === name);
  if (!found) throw new Error(`No demo user ${name}`);
  return found;
};

/** Hugging Face's access tokens live this long at the stand-in, so Logto must refresh them in test 3. */
const accessTokenTtlSeconds = 4;

let logto: RealLogto;
let connectorId: string | undefined;

type Connector = { id: string; connectorId: string; target: string; config: Record<string, unknown>; enableTokenStorage?: boolean };
type LogtoUser = { id: string; primaryEmail: string | null; identities: Record<string, { userId: string; details?: Record<string, unknown> }> };

/** The connector test 1 creates; created here when test 1 did not run (a filtered run). */
const ourConnector = async (): Promise<string> => {
  if (connectorId) return connectorId;
  const created = expectStatus(
    await logto.management.request<Connector>('POST', '/api/connectors', { connectorId: factoryId, config, enableTokenStorage: true }),
    200,
    'create connector',
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
  await logto?.stop();
});

describe.sequential('in a real Logto', () => {
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

    await ourConnector();
    const listed = expectStatus(await logto.management.request<Connector[]>('GET', '/api/connectors'), 200, 'connectors');
    expect(listed.find((connector) => connector.id === connectorId)).toMatchObject({ connectorId: factoryId, target, enableTokenStorage: true });

    const before = expectStatus(await logto.management.request<{ socialSignInConnectorTargets: string[] }>('GET', '/api/sign-in-exp'), 200, 'sign-in-exp');
    const updated = expectStatus(
      await logto.management.request<{ socialSignInConnectorTargets: string[] }>('PATCH', '/api/sign-in-exp', {
        socialSignInConnectorTargets: [...new Set([...before.socialSignInConnectorTargets, target])],
      }),
      200,
      'add to sign-in experience',
    );
    expect(updated.socialSignInConnectorTargets).toContain(target);
    const shown = expectStatus(await new ExperienceClient(logto.core.endpoint).api<{ socialConnectors: Array<{ id: string; target: string }> }>('GET', '/api/.well-known/sign-in-exp'), 200, 'public sign-in-exp');
    expect(shown.socialConnectors.map((connector) => connector.id)).toContain(connectorId);
  });
});
