/**
 * The migration from the official connector inside a real Logto: the official
 * `@logto/connector-huggingface` 0.4.8 installed as Logto's Docker image ships it, users signed up
 * through it, then `connector-huggingface migrate` from the packed tarball (installed with npm, as
 * `npx` does) against the Management API, and the same users signing in through this connector.
 * The command's dry run and refusals are proven against a modelled Logto in test/unit/migrate.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { demoUsers, userNamed } from '../../stand-in/index.js';

import { ExperienceClient, type SocialCallback } from './support/experience.js';
import { factoryId, startLogto, target, type RealLogto } from './support/logto.js';

const run = promisify(execFile);

const officialFactoryId = 'huggingface-universal';
/** One Hugging Face app before and after; the official connector, a confidential client, sends no PKCE. */
const hfApp = { clientId: 'logto-migration-app', clientSecret: 'migration-client-secret-5c2e9a', requirePkce: false };
const officialConfig = { clientId: hfApp.clientId, clientSecret: hfApp.clientSecret, scope: 'openid profile email' };
const linkedUsers = ['ada', 'outsider'];

type Connector = { id: string; connectorId: string };

let logto: RealLogto;
let cliFolder: string;
/** The official connector's id, which the migration keeps. */
let connectorId: string;
/** Logto user id per Hugging Face username, from sign-ups through the official connector. */
const userIds = new Map<string, string>();
/** A sign-in started through the official connector and finished after the migration. */
let inFlight: SocialCallback;

/**
 * The official connector as Logto's Docker image has it: in `packages/core/connectors` with its
 * own `node_modules` (it imports `@logto/connector-oauth`, which core does not ship), except
 * `@logto/connector-kit`, which the image takes from core. A folder left by an interrupted run is replaced.
 */
const installOfficialConnector = async (logtoDir: string) => {
  const folder = path.join(logtoDir, 'packages', 'core', 'connectors', '@logto-connector-huggingface');
  await rm(folder, { recursive: true, force: true });
  const work = await mkdtemp(path.join(tmpdir(), 'official-connector-'));
  try {
    const { stdout } = await run('npm', ['pack', '@logto/connector-huggingface@0.4.8', '--silent', '--pack-destination', work], { cwd: work });
    await mkdir(folder, { recursive: true });
    await run('tar', ['-xzf', path.join(work, stdout.trim().split('\n').pop()!), '-C', folder, '--strip-components=1']);
    const install = ['install', '--omit=dev', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund', '--prefer-offline'];
    await run('npm', install, { cwd: folder, timeout: 240_000 });
    await rm(path.join(folder, 'node_modules', '@logto', 'connector-kit'), { recursive: true, force: true });
    return folder;
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};

/** What the README asks of an operator: an M2M app with the "Logto Management API access" role. */
const operatorApp = async () => {
  const app = await logto.admin<{ id: string }>('POST', '/api/applications', { name: 'Hugging Face migration', type: 'MachineToMachine' });
  const { value } = await logto.admin<{ value: string }>('POST', `/api/applications/${app.id}/secrets`, { name: 'migration' });
  const roles = await logto.admin<Array<{ id: string; name: string }>>('GET', '/api/roles');
  const role = roles.find(({ name }) => name === 'Logto Management API access')!;
  await logto.admin('POST', `/api/applications/${app.id}/roles`, { roleIds: [role.id] });
  return { LOGTO_M2M_APP_ID: app.id, LOGTO_M2M_APP_SECRET: value };
};

/** `connector-huggingface migrate --endpoint <Logto>` with the credentials in the environment. */
const migrate = async (credentials: Record<string, string>) => {
  const bin = path.join(cliFolder, 'node_modules', '.bin', 'connector-huggingface');
  return run(bin, ['migrate', '--endpoint', logto.endpoint], { env: { ...process.env, ...credentials }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: unknown) => {
      const { code = -1, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
      return { code, stdout, stderr };
    },
  );
};

beforeAll(async () => {
  logto = await startLogto({
    hub: { clients: [hfApp], users: demoUsers },
    prepare: async (logtoDir, tarball) => {
      cliFolder = await mkdtemp(path.join(tmpdir(), 'migrate-cli-'));
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-save', tarball], { cwd: cliFolder, timeout: 240_000 });
      const officialFolder = await installOfficialConnector(logtoDir);
      return async () => {
        await rm(officialFolder, { recursive: true, force: true });
        await rm(cliFolder, { recursive: true, force: true });
      };
    },
  });
});

afterAll(async () => {
  await (logto as RealLogto | undefined)?.stop();
});

describe('migration from the official connector, in a real Logto', { concurrent: false }, () => {
  it('starts from users linked through the official connector 0.4.8', async () => {
    const factories = await logto.admin<Array<{ id: string }>>('GET', '/api/connector-factories');
    expect(factories.map(({ id }) => id)).toEqual(expect.arrayContaining([officialFactoryId, factoryId]));
    const official = { connectorId: officialFactoryId, config: officialConfig, syncProfile: true };
    connectorId = (await logto.admin<Connector>('POST', '/api/connectors', official)).id;
    await logto.admin('PATCH', '/api/sign-in-exp', { socialSignInConnectorTargets: [target] });

    for (const username of linkedUsers) {
      // eslint-disable-next-line no-await-in-loop -- one user after the other
      const signedUp = await new ExperienceClient(logto.endpoint).signInWithSocial(connectorId, { username });
      expect(signedUp.registered).toBe(true);
      userIds.set(username, signedUp.userId);
      expect(logto.hub.lastAuthorizationParams).toMatchObject({ redirect_uri: `${logto.endpoint}/callback/${connectorId}` });
      // No PKCE: the official connector sent this one.
      expect(logto.hub.lastAuthorizationParams?.code_challenge).toBeUndefined();
    }
  });

  it('replaces the official connector under the same id, with the same config, and keeps the button', async () => {
    // A user at Hugging Face's consent screen while the migration runs.
    inFlight = await new ExperienceClient(logto.endpoint).startSocial(connectorId, { username: 'ada' });
    const credentials = await operatorApp();
    const result = await migrate(credentials);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(await logto.admin('GET', '/api/connectors')).toEqual([
      expect.objectContaining({ id: connectorId, connectorId: factoryId, target, config: officialConfig, syncProfile: true, enableTokenStorage: false }),
    ]);
    expect(await logto.admin('GET', '/api/sign-in-exp')).toMatchObject({ socialSignInConnectorTargets: [target] });
    for (const secret of [hfApp.clientSecret, credentials.LOGTO_M2M_APP_SECRET]) expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    const gap = /no connector for (\d+) ms, no button for (\d+) ms/.exec(result.stdout);
    expect(gap).not.toBeNull();
    console.log(`Hugging Face sign-in unavailable during the migration: no connector for ${gap![1]} ms, no button for ${gap![2]} ms.`);

    expect((await migrate(credentials)).stdout).toContain(`Nothing to do: connector ${connectorId} already uses ${factoryId}.`);
  });

  it('a sign-in begun through the official connector before the migration fails with 400 and says why (never 500)', async () => {
    const verified = await inFlight.verify();
    expect(verified.status).toBe(400);
    expect(JSON.stringify(verified.body)).toContain('The sign-in session holds no Hugging Face PKCE verifier or state');
  });

  it('users linked through the official connector sign in through this one as the same Logto users, at the same callback URL', async () => {
    for (const username of linkedUsers) {
      // eslint-disable-next-line no-await-in-loop -- one user after the other
      const signedIn = await new ExperienceClient(logto.endpoint).signInWithSocial(connectorId, { username });
      expect(signedIn).toMatchObject({ registered: false, userId: userIds.get(username) });
      // PKCE: this connector sent it.
      expect(logto.hub.lastAuthorizationParams).toMatchObject({ code_challenge_method: 'S256', redirect_uri: `${logto.endpoint}/callback/${connectorId}` });
      // eslint-disable-next-line no-await-in-loop
      const user = await logto.admin<{ identities: unknown }>('GET', `/api/users/${signedIn.userId}`);
      expect(user.identities).toEqual({ [target]: expect.objectContaining({ userId: userNamed(username).sub }) });
    }
    expect(await logto.admin('GET', '/api/users')).toHaveLength(linkedUsers.length);
  });
});
