/**
 * The compatibility matrix: for every supported Logto release, the packed tarball is installed
 * with that release's `logto connector add`, loaded by that release's loader in an instance whose
 * core has that release's connector-kit and jose, and signs users in against the Hugging Face
 * stand-in, the connector running inside the instance's process on Node 22 as in Logto.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureOfficialConnector } from '../../scripts/logto-tools.mjs';
import { ensureNode22 } from '../../scripts/node22.mjs';
import { driveSignIn, type SignInChoice, startHfStandIn, type StandIn, userNamed } from '../../stand-in/index.js';
import { addConnectorWithCli, type LoadedInstance, ourFactoryId, startLoadedInstance } from './instance-process.js';
import { packPackage, type PackedPackage, releasePackedPackage } from './pack.js';
import { type LogtoRelease, logtoReleases, newestRelease } from './releases.js';

const installedName = 'connector-huggingface';
const logtoEndpoint = 'http://127.0.0.1:3001';
const app = { clientId: 'logto-matrix-app', clientSecret: 'logto-matrix-secret-3Rf7' };

/** One release's instance, set up once for all its tests. */
type Row = LoadedInstance & { cliOutput: string; addedFolders: string[] };

let hf: StandIn;
let packed: PackedPackage;
const rows = new Map<LogtoRelease, Row>();

/** Runs `work` on every item, two at a time (cold skeletons install meanwhile): the machine has few cores. */
const inPairs = async <T>(items: readonly T[], work: (item: T) => Promise<unknown>) => {
  for (let index = 0; index < items.length; index += 2) {
    // eslint-disable-next-line no-await-in-loop -- a pair must finish before the next starts
    await Promise.all(items.slice(index, index + 2).map(work));
  }
};

beforeAll(async () => {
  const node = await ensureNode22();
  let official: string;
  [hf, packed, official] = await Promise.all([startHfStandIn({ clients: [app] }), packPackage(), ensureOfficialConnector()]);
  await inPairs(logtoReleases, async (release) => {
    let cliOutput = '';
    let addedFolders: string[] = [];
    const loaded = await startLoadedInstance(release, node, async (instance) => {
      cliOutput = await addConnectorWithCli(instance, packed.tarball, node);
      addedFolders = await readdir(instance.connectors);
      if (release === newestRelease) {
        // What `logto connector link` makes of an official connector built in Logto's workspace: a
        // symlink, so it keeps resolving its own dependencies (`@logto/connector-oauth`, which core
        // lacks) from where it was installed.
        await symlink(official, path.join(instance.connectors, '@logto-connector-huggingface'));
      }
    });
    rows.set(release, { ...loaded, cliOutput, addedFolders });
  });
}, 900_000);

afterAll(async () => {
  await Promise.all([...rows.values()].map(async ({ close }) => close()));
  // `hf` is unset when beforeAll failed before assigning it.
  await Promise.all([(hf as StandIn | undefined)?.close(), releasePackedPackage()]);
});

const rowOf = (release: LogtoRelease) => {
  const row = rows.get(release);
  if (!row) throw new Error(`Logto ${release.releases} was not set up`);
  return row;
};

/** Calls `method` of the connector the row's loader loaded, with `config` over the app's credentials. */
const callConnector = async (release: LogtoRelease, method: string, config: object, argument: unknown, sessionJson?: string) =>
  (await rowOf(release).call('connector', { factoryId: ourFactoryId, config: { ...app, hubUrl: hf.url, ...config }, method, argument, sessionJson })) as {
    result: unknown;
    sessionJson?: string;
  };

/** A sign-in through the row's loaded connector, driven as Logto's sign-in page drives it. */
const signIn = async (release: LogtoRelease, choice: SignInChoice, finish: string, config: object) => {
  const connectorId = `hf${randomBytes(6).toString('hex')}`;
  const request = { state: randomBytes(12).toString('base64url'), redirectUri: `${logtoEndpoint}/callback/${connectorId}`, connectorId, connectorFactoryId: ourFactoryId, jti: randomUUID(), headers: {} };
  const started = await callConnector(release, 'getAuthorizationUri', config, request);
  // The sign-in page checks `state` itself and posts the rest of the query with `redirectUri`.
  const { state, ...query } = await driveSignIn(started.result as string, request.redirectUri, choice);
  expect(state).toBe(request.state);
  return (await callConnector(release, finish, config, { ...query, redirectUri: request.redirectUri }, started.sessionJson)).result;
};

describe.each(logtoReleases)('Logto $releases (connector-kit $connectorKit, jose $jose, CLI $cli)', (release) => {
  const installed = () => path.join(rowOf(release).instance.connectors, installedName);

  it("is added by the release's CLI as the connector's folder alone, without dependencies", () => {
    const { cliOutput, addedFolders } = rowOf(release);
    expect(cliOutput).toContain(`Added ${packed.name} v${packed.version}`);
    expect(cliOutput).not.toMatch(/Failed to add|Finished with \d+ error/);
    expect(addedFolders).toEqual([installedName]);
    expect(existsSync(path.join(installed(), 'node_modules'))).toBe(false);
  });

  it("is loaded on Node 22 by the release's loader, which checks our range against core's connector-kit, the one we import, with core's jose", async () => {
    const { load, output, instance, ours } = rowOf(release);
    const coreModules = path.join(instance.core, 'node_modules');
    expect(load.node).toMatch(/^22\./);
    expect(load.cli.version).toBe(release.cli);
    expect(load.packages).toContainEqual({ name: packed.name, path: installed() });
    expect(ours().path).toBe(installed());
    expect(output()).not.toContain('skip');
    expect(ours().connectorKit).toEqual({ folder: path.join(coreModules, '@logto', 'connector-kit'), version: release.connectorKit });
    expect(await realpath(load.loaderConnectorKit.folder)).toBe(await realpath(ours().connectorKit.folder));
    expect(ours().jose.folder).toBe(path.join(coreModules, 'jose'));
    expect(ours().jose.version.split('.')[0]).toBe(release.jose.replace(/^\^/, '').split('.')[0]);
  });

  it('gives Logto its metadata, with the logos and the console guide inlined from the installed files', async () => {
    const { ours } = rowOf(release);
    const dataUri = async (file: string) => `data:image/svg+xml;base64,${(await readFile(path.join(installed(), file))).toString('base64')}`;
    expect(ours().type).toBe('Social');
    expect(ours().metadata).toMatchObject({
      target: 'huggingface',
      platform: 'Universal',
      isTokenStorageSupported: true,
      logo: await dataUri('logo.svg'),
      logoDark: await dataUri('logo-dark.svg'),
      readme: await readFile(path.join(installed(), 'CONSOLE-GUIDE.md'), 'utf8'),
    });
  });

  it('signs ada in with token storage, verifying the ID token against the key set, and refreshes the access token', async () => {
    const config = { scope: 'openid profile email' };
    const keySetReads = hf.requestCounts['/oauth/jwks'] ?? 0;
    const { tokenResponse, userInfo } = (await signIn(release, { username: 'ada' }, 'getTokenResponseAndUserInfo', config)) as {
      tokenResponse: { access_token: string; refresh_token: string };
      userInfo: unknown;
    };
    expect(userInfo).toMatchObject({ id: userNamed('ada').sub, email: 'ada@example.com' });
    expect(tokenResponse).toMatchObject({ id_token: expect.any(String), refresh_token: expect.any(String) });
    expect(hf.requestCounts['/oauth/jwks'] ?? 0).toBeGreaterThan(keySetReads);

    const refreshed = (await callConnector(release, 'getAccessTokenByRefreshToken', config, tokenResponse.refresh_token)).result as { access_token: string };
    expect(refreshed.access_token).not.toBe(tokenResponse.access_token);
    const userinfo = await fetch(`${hf.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    expect(userinfo.status).toBe(200);
  });

  it("reports failures as core's ConnectorError: an outsider refused by the organization rule as authorization_failed, without their email; a config without secret as invalid_config", async () => {
    const refused = signIn(release, { username: 'outsider' }, 'getUserInfo', { scope: 'profile', authorizedOrgs: 'ml-lab' });
    await expect(refused).rejects.toMatchObject({
      failure: { isConnectorError: true, code: 'authorization_failed', message: expect.stringContaining('not a member of an authorized organization') },
    });
    expect(JSON.stringify(await refused.catch((error: unknown) => error))).not.toContain(userNamed('outsider').email);
    const request = { state: 's', redirectUri: `${logtoEndpoint}/callback/c`, connectorId: 'c', connectorFactoryId: ourFactoryId, jti: randomUUID(), headers: {} };
    await expect(callConnector(release, 'getAuthorizationUri', { clientSecret: undefined }, request)).rejects.toMatchObject({
      failure: { isConnectorError: true, code: 'invalid_config', message: expect.stringContaining('clientSecret is required') },
    });
  });
});

describe(`Logto ${newestRelease.releases} with the official @logto/connector-huggingface linked too`, () => {
  it('loads both, each with a factory id of its own, for the one target huggingface', () => {
    const { load, output } = rowOf(newestRelease);
    const factories = load.factories.map(({ metadata }) => [metadata.id, metadata.target]);
    expect(factories.sort(), output()).toEqual([
      ['huggingface-oidc-universal', 'huggingface'],
      ['huggingface-universal', 'huggingface'],
    ]);
  });
});
