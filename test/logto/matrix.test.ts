/**
 * The compatibility matrix: for every supported Logto release, the packed tarball is installed
 * with that release's `logto connector add`, loaded by that release's loader in an instance whose
 * core has that release's connector-kit and jose, and signs users in against the Hugging Face
 * stand-in, the connector running inside the instance's process on Node 22 as in Logto.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureNode22 } from '../../scripts/node22.mjs';
import { driveSignIn, type SignInChoice } from '../../stand-in/index.js';
import { startHfStandIn, type StandIn, userNamed } from '../../stand-in/index.js';
import {
  addConnectorWithCli,
  InstanceCallError,
  type InstanceFailure,
  type InstanceProcess,
  type LoadReport,
  startInstanceProcess,
} from './instance-process.js';
import { packPackage, type PackedPackage, releasePackedPackage } from './pack.js';
import { type LogtoRelease, logtoReleases } from './releases.js';
import { createLogtoInstance, ensureSkeleton, type LogtoInstance } from './skeleton.js';

const factoryId = 'huggingface-oidc-universal';
const installedName = 'connector-huggingface';
const logtoEndpoint = 'http://127.0.0.1:3001';
const app = { clientId: 'logto-matrix-app', clientSecret: 'logto-matrix-secret-3Rf7' };

const ada = userNamed('ada');
const blank = userNamed('blank');
const outsider = userNamed('outsider');

/** One release's instance, set up once for all its tests. */
type Row = {
  instance: LogtoInstance;
  cliOutput: string;
  process: InstanceProcess;
  load: LoadReport;
};

let hf: StandIn;
let packed: PackedPackage;
const rows = new Map<LogtoRelease, Row>();

const setUpRow = async (release: LogtoRelease, node: string): Promise<Row> => {
  const instance = await createLogtoInstance(release);
  const cliOutput = await addConnectorWithCli(instance, packed.tarball, node);
  const process = await startInstanceProcess(instance, node);
  const load = await process.call<LoadReport>('load', { connectors: instance.connectors });
  return { instance, cliOutput, process, load };
};

/** Runs `work` on every item, two at a time. */
const inPairs = async <T>(items: readonly T[], work: (item: T) => Promise<unknown>) => {
  for (let index = 0; index < items.length; index += 2) {
    // eslint-disable-next-line no-await-in-loop -- a pair must finish before the next starts
    await Promise.all(items.slice(index, index + 2).map(work));
  }
};

beforeAll(async () => {
  const node = await ensureNode22();
  [hf, packed] = await Promise.all([
    startHfStandIn({ clients: [app] }),
    packPackage(),
    // Cold skeletons install two at a time; the machine has few cores.
    inPairs(logtoReleases, ensureSkeleton),
  ]);
  await inPairs(logtoReleases, async (release) => {
    rows.set(release, await setUpRow(release, node));
  });
}, 900_000);

afterAll(async () => {
  await Promise.all(
    [...rows.values()].flatMap(({ instance, process }) => [process.close(), instance.dispose()])
  );
  // `hf` is unset when beforeAll failed before assigning it.
  await Promise.all([(hf as StandIn | undefined)?.close(), releasePackedPackage()]);
});

const rowOf = (release: LogtoRelease) => {
  const row = rows.get(release);
  if (!row) throw new Error(`Logto ${release.releases} was not set up`);
  return row;
};

/** A sign-in through the row's loaded connector, driven as Logto's sign-in page drives it. */
const signIn = async (
  release: LogtoRelease,
  choice: SignInChoice,
  config: Record<string, unknown>,
  finish: 'getUserInfo' | 'getTokenResponseAndUserInfo' = 'getUserInfo'
) => {
  const { process } = rowOf(release);
  const fullConfig = { ...app, hubUrl: hf.url, ...config };
  const state = randomBytes(12).toString('base64url');
  const connectorId = `hf${randomBytes(6).toString('hex')}`;
  const redirectUri = `${logtoEndpoint}/callback/${connectorId}`;
  const { url, sessionJson } = await process.call<{ url: string; sessionJson: string }>('authorize', {
    factoryId,
    config: fullConfig,
    request: { state, redirectUri, connectorId, connectorFactoryId: factoryId, jti: randomUUID(), headers: {} },
  });
  const query = await driveSignIn(url, redirectUri, choice);
  // The sign-in page checks `state` itself and posts the rest of the query with `redirectUri`.
  expect(query.state).toBe(state);
  const { state: _checked, ...rest } = query;
  return process.call<Record<string, unknown>>(finish, {
    factoryId,
    config: fullConfig,
    data: { ...rest, redirectUri },
    sessionJson,
  });
};

/** The failure a call reached the instance with; fails when the call succeeded. */
const failureOf = async (call: Promise<unknown>): Promise<InstanceFailure> => {
  const outcome = await call.then(
    (result) => ({ result }),
    (error: unknown) => ({ error })
  );
  if (!('error' in outcome)) {
    throw new Error(`Expected a failure, got ${JSON.stringify(outcome.result)}`);
  }
  if (!(outcome.error instanceof InstanceCallError)) {
    throw outcome.error;
  }
  return outcome.error.failure;
};

describe.each(logtoReleases)('Logto $releases (connector-kit $connectorKit, jose $jose, CLI $cli)', (release) => {
  it('logto connector add installs the tarball without dependencies', () => {
    const { cliOutput, load, instance } = rowOf(release);
    expect(cliOutput).toContain(`Added ${packed.name} v${packed.version}`);
    expect(cliOutput).not.toMatch(/Failed to add|Finished with \d+ error/);
    expect(load.packages).toContainEqual({ name: packed.name, path: path.join(instance.connectors, installedName) });
  });

  it("runs on Node 22, with the release's CLI and core's connector-kit in the loader", async () => {
    const { load, instance } = rowOf(release);
    expect(load.node).toMatch(/^22\./);
    expect(load.cli.version).toBe(release.cli);
    expect(load.connectorKit.version).toBe(release.connectorKit);
    expect(await realpath(load.loaderConnectorKit.folder)).toBe(await realpath(load.connectorKit.folder));
    expect(load.connectorKit.folder).toBe(path.join(instance.core, 'node_modules', '@logto', 'connector-kit'));
  });

  it("is loaded by the release's loader", () => {
    const { load, process, instance } = rowOf(release);
    const ours = load.factories.find(({ id }) => id === factoryId);
    expect(ours, process.output()).toBeDefined();
    expect(ours?.path).toBe(path.join(instance.connectors, installedName));
    expect(process.output()).not.toContain('skip');
  });

  it("imports core's connector-kit and the newest jose of core's major", () => {
    const { load, instance } = rowOf(release);
    const ours = load.factories.find(({ id }) => id === factoryId);
    const coreModules = path.join(instance.core, 'node_modules');
    expect(ours?.connectorKit).toEqual({
      folder: path.join(coreModules, '@logto', 'connector-kit'),
      version: release.connectorKit,
    });
    expect(ours?.jose.folder).toBe(path.join(coreModules, 'jose'));
    expect(ours?.jose.version.split('.')[0]).toBe(release.jose.replace(/^\^/, '').split('.')[0]);
  });

  it('signs ada in with the profile scope: id, name and avatar, no email', async () => {
    const { userInfo } = await signIn(release, { username: 'ada' }, { scope: 'profile' });
    expect(userInfo).toMatchObject({ id: ada.sub, name: 'Ada Lovelace', avatar: `${hf.url}/avatars/ada.svg` });
    expect(userInfo).not.toHaveProperty('email');
  });

  it('signs ada in with openid profile email, verifying the ID token against the JWKS', async () => {
    const before = hf.requestCounts['/oauth/jwks'] ?? 0;
    const { tokenResponse, userInfo } = await signIn(
      release,
      { username: 'ada' },
      { scope: 'openid profile email' },
      'getTokenResponseAndUserInfo'
    );
    expect(tokenResponse).toHaveProperty('id_token');
    expect(userInfo).toMatchObject({ id: ada.sub, email: 'ada@example.com' });
    expect(hf.requestCounts['/oauth/jwks'] ?? 0).toBeGreaterThan(before);
  });

  it("drops blank's unverified email", async () => {
    const { userInfo } = await signIn(release, { username: 'blank' }, { scope: 'openid profile email' });
    expect(userInfo).toMatchObject({ id: blank.sub });
    expect(userInfo).not.toHaveProperty('email');
  });

  it('lets a member of an authorized organization in and refuses a non-member', async () => {
    const config = { scope: 'profile', authorizedOrgs: 'ml-lab' };
    const { userInfo } = await signIn(release, { username: 'ada' }, config);
    expect(userInfo).toMatchObject({ id: ada.sub });

    const refused = await failureOf(signIn(release, { username: 'outsider' }, config));
    expect(refused).toMatchObject({ isConnectorError: true, code: 'authorization_failed' });
    expect(refused.message).toContain('not a member of an authorized organization');
    expect(JSON.stringify(refused)).not.toContain(outsider.email);
  });

  it('hands Logto tokens to store and refreshes the access token', async () => {
    const { tokenResponse } = await signIn(
      release,
      { username: 'ada' },
      { scope: 'profile' },
      'getTokenResponseAndUserInfo'
    );
    const stored = tokenResponse as { access_token?: string; refresh_token?: string };
    expect(stored.refresh_token).toEqual(expect.any(String));

    const refreshed = await rowOf(release).process.call<{ access_token?: string }>('getAccessTokenByRefreshToken', {
      factoryId,
      config: { ...app, hubUrl: hf.url, scope: 'profile' },
      refreshToken: stored.refresh_token,
    });
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect(refreshed.access_token).not.toBe(stored.access_token);
    const userinfo = await fetch(`${hf.url}/oauth/userinfo`, {
      headers: { authorization: `Bearer ${String(refreshed.access_token)}` },
    });
    expect(userinfo.status).toBe(200);
  });

  it("reports a cancelled sign-in as core's ConnectorError authorization_failed", async () => {
    const cancelled = await failureOf(signIn(release, { cancel: true }, { scope: 'profile' }));
    expect(cancelled).toMatchObject({ isConnectorError: true, code: 'authorization_failed' });
    expect(cancelled.message).toContain('cancelled');
  });
});
