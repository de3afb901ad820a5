/**
 * The migration from the official connector inside a real Logto (`npm run test:logto`).
 *
 * The instance starts as an operator's would: the official `@logto/connector-huggingface` 0.4.8
 * installed as Logto's Docker image ships it (linked with dependencies of its own), users signed
 * up through it, and this connector added with Logto's CLI. Then the command shipped in the
 * packed tarball (`connector-huggingface migrate`, installed with npm as `npx` would) runs
 * against the Management API, and the same users sign in through this connector.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { packPackage, releasePackedPackage } from '../logto/pack.js';
import { driveSignIn } from '../../stand-in/index.js';
import { demoUsers } from '../../stand-in/index.js';

import { ExperienceClient, expectStatus, startRealLogto, type RealLogto, type SocialStart } from './support/index.js';

const execFileAsync = promisify(execFile);

const officialPackage = '@logto/connector-huggingface@0.4.8';
const officialFactoryId = 'huggingface-universal';
const ourFactoryId = 'huggingface-oidc-universal';
const target = 'huggingface';
/** One Hugging Face app before and after: the client ID and secret carry over. */
/**
 * The Hugging Face app both connectors use. Hugging Face requires PKCE from public apps only; the
 * official connector, a confidential client, sends none, so this app may omit it (ours sends it).
 */
const hfApp = { clientId: 'logto-migration-app', clientSecret: 'migration-client-secret-5c2e9a', requirePkce: false };
const officialConfig = { clientId: hfApp.clientId, clientSecret: hfApp.clientSecret, scope: 'openid profile email' };
const linkedUsers = ['ada', 'outsider'];

type Connector = { id: string; connectorId: string; target: string; config: Record<string, unknown>; syncProfile: boolean; enableTokenStorage: boolean };
type LogtoUser = { id: string; identities: Record<string, { userId: string }> };

let logto: RealLogto;
let officialFolder: string | undefined;
let cliFolder: string | undefined;
let m2mSecret: string;
/** Set by the first test: the official connector's id, kept by the migration. */
let connectorId: string;
/** Logto user id per Hugging Face username, from sign-ups through the official connector. */
const userIds = new Map<string, string>();
/** The redirect URI the official connector sent to Hugging Face. */
let callbackUrl: string;
/** A sign-in started through the official connector and finished after the migration. */
let inFlight: ExperienceClient | undefined;
let inFlightStart: SocialStart | undefined;
let inFlightQuery: Record<string, string> | undefined;

/**
 * Installs the official connector as Logto's Docker image has it: its package in
 * `packages/core/connectors`, with its own `node_modules` (it imports `@logto/connector-oauth`,
 * which core does not ship). The image links connectors of Logto's workspace, whose
 * `@logto/connector-kit` is core's own, so that copy is left to core's here too.
 */
const installOfficialConnector = async (logtoDir: string) => {
  const folder = path.join(logtoDir, 'packages', 'core', 'connectors', '@logto-connector-huggingface');
  // Only this suite puts the official connector into the test Logto: a folder already there is
  // what an interrupted run left, possibly half installed, so it is replaced.
  await rm(folder, { recursive: true, force: true });
  const work = await mkdtemp(path.join(tmpdir(), 'official-connector-'));
  try {
    const { stdout } = await execFileAsync('npm', ['pack', officialPackage, '--silent', '--pack-destination', work], { cwd: work });
    await mkdir(folder, { recursive: true });
    await execFileAsync('tar', ['-xzf', path.join(work, stdout.trim().split('\n').pop()!), '-C', folder, '--strip-components=1']);
    await execFileAsync('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: folder,
      timeout: 240_000,
    });
    await rm(path.join(folder, 'node_modules', '@logto', 'connector-kit'), { recursive: true, force: true });
    return folder;
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};

/** Installs the packed tarball in a folder of its own, as `npx connector-huggingface` does. */
const installCli = async (tarball: string) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'migrate-cli-'));
  await execFileAsync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-save', tarball], { cwd: folder, timeout: 240_000 });
  return folder;
};

/**
 * Runs `connector-huggingface migrate` as an operator would, credentials in the environment: by
 * default those of the seeded `m-default` app, whose token comes from the admin port.
 */
const migrate = async (args: string[] = [], credentials: Record<string, string> = seededApp()) => {
  const bin = path.join(cliFolder!, 'node_modules', '.bin', 'connector-huggingface');
  try {
    const { stdout, stderr } = await execFileAsync(bin, ['migrate', '--endpoint', logto.core.endpoint, ...args], {
      env: { ...process.env, ...credentials },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: code ?? -1, stdout, stderr };
  }
};

const seededApp = () => ({
  LOGTO_TOKEN_ENDPOINT: `${logto.core.adminEndpoint}/oidc/token`,
  LOGTO_M2M_APP_ID: 'm-default',
  LOGTO_M2M_APP_SECRET: m2mSecret,
});

/**
 * What the README asks of an operator: a machine-to-machine app of their own tenant with the
 * "Logto Management API access" role; its token comes from `${endpoint}/oidc/token`, the default.
 */
const operatorApp = async () => {
  const app = expectStatus(
    await logto.management.request<{ id: string }>('POST', '/api/applications', { name: 'Hugging Face migration', type: 'MachineToMachine' }),
    200,
    'create an M2M app'
  );
  const { value: secret } = expectStatus(
    await logto.management.request<{ value: string }>('POST', `/api/applications/${app.id}/secrets`, { name: 'migration' }),
    201,
    'its secret'
  );
  const roles = expectStatus(await logto.management.request<Array<{ id: string; name: string }>>('GET', '/api/roles'), 200, 'roles');
  const role = roles.find(({ name }) => name === 'Logto Management API access');
  expect(role).toBeDefined();
  expectStatus(await logto.management.request('POST', `/api/applications/${app.id}/roles`, { roleIds: [role!.id] }), 201, 'assign the role');
  return { LOGTO_M2M_APP_ID: app.id, LOGTO_M2M_APP_SECRET: secret };
};

const listConnectors = async () => expectStatus(await logto.management.request<Connector[]>('GET', '/api/connectors'), 200, 'connectors');
const socialTargets = async () =>
  expectStatus(await logto.management.request<{ socialSignInConnectorTargets: string[] }>('GET', '/api/sign-in-exp'), 200, 'sign-in-exp')
    .socialSignInConnectorTargets;

beforeAll(async () => {
  logto = await startRealLogto({ hub: { clients: [hfApp], users: demoUsers }, databasePrefix: 'logto_mig_' });
  m2mSecret = await logto.db.query("select secret from applications where id = 'm-default'");
  officialFolder = await installOfficialConnector(logto.logtoDir);
  const packed = await packPackage();
  try {
    await logto.installConnector(packed.tarball);
    cliFolder = await installCli(packed.tarball);
  } finally {
    await releasePackedPackage();
  }
});

afterAll(async () => {
  // Unset when beforeAll failed before assigning it.
  await (logto as RealLogto | undefined)?.stop();
  if (officialFolder) {
    await rm(officialFolder, { recursive: true, force: true });
  }
  if (cliFolder) {
    await rm(cliFolder, { recursive: true, force: true });
  }
});

describe('migration from the official connector, in a real Logto', { concurrent: false }, () => {
  it('starts from users linked through the official connector 0.4.8', async () => {
    const factories = expectStatus(await logto.management.request<Array<{ id: string }>>('GET', '/api/connector-factories'), 200, 'factories');
    expect(factories.map(({ id }) => id)).toEqual(expect.arrayContaining([officialFactoryId, ourFactoryId]));

    const official = expectStatus(
      await logto.management.request<Connector>('POST', '/api/connectors', { connectorId: officialFactoryId, config: officialConfig, syncProfile: true }),
      200,
      'create the official connector'
    );
    connectorId = official.id;
    expectStatus(await logto.management.request('PATCH', '/api/sign-in-exp', { socialSignInConnectorTargets: [target] }), 200, 'add the button');

    for (const username of linkedUsers) {
      // eslint-disable-next-line no-await-in-loop
      const signedUp = await new ExperienceClient(logto.core.endpoint).signInWithSocial(connectorId, { username });
      expect(signedUp.registered).toBe(true);
      userIds.set(username, signedUp.userId);
      // The official connector sends no PKCE: this sign-in really went through it.
      expect(logto.hub.lastAuthorizationParams?.code_challenge).toBeUndefined();
    }
    callbackUrl = logto.hub.lastAuthorizationParams!.redirect_uri!;
    expect(callbackUrl).toBe(`${logto.core.endpoint}/callback/${connectorId}`);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const result = await migrate(['--dry-run']);

    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`id ${connectorId}, callback URL ${callbackUrl}`);
    expect(result.stdout).toContain('Dry run: nothing was changed.');
    expect(await listConnectors()).toEqual([expect.objectContaining({ id: connectorId, connectorId: officialFactoryId })]);
    expect(await socialTargets()).toEqual([target]);
  });

  it('stops with the reason, changing nothing, when the official config does not pass this connector\'s guard', async () => {
    expectStatus(
      await logto.management.request('PATCH', `/api/connectors/${connectorId}`, { config: { ...officialConfig, scope: 'profile,email' } }),
      200,
      'comma-separated scope, which the official connector accepts'
    );
    try {
      const result = await migrate();

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('scope: Scopes are separated by spaces, not commas: "profile,email"');
      expect(result.stderr).toContain(`PATCH /api/connectors/${connectorId}`);
      expect(await listConnectors()).toEqual([expect.objectContaining({ id: connectorId, connectorId: officialFactoryId })]);
      expect(await socialTargets()).toEqual([target]);
    } finally {
      expectStatus(await logto.management.request('PATCH', `/api/connectors/${connectorId}`, { config: officialConfig }), 200, 'restore the config');
    }
  });

  it('replaces the official connector under the same id, with the same config, and keeps the button', async () => {
    // A user at Hugging Face's consent screen while the migration runs.
    inFlight = new ExperienceClient(logto.core.endpoint);
    await inFlight.startAuthorization();
    await inFlight.begin('SignIn');
    const start = await inFlight.startSocial(connectorId);
    const { verificationId, authorizationUri } = expectStatus(start, 200, 'authorization-uri');
    inFlightStart = { ...start, verificationId, authorizationUri };
    inFlightQuery = await driveSignIn(authorizationUri, start.redirectUri, { username: linkedUsers[0]! });

    const credentials = await operatorApp();
    const result = await migrate([], credentials);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(await listConnectors()).toEqual([
      expect.objectContaining({ id: connectorId, connectorId: ourFactoryId, target, config: officialConfig, syncProfile: true, enableTokenStorage: false }),
    ]);
    expect(await socialTargets()).toEqual([target]);
    for (const secret of [hfApp.clientSecret, credentials.LOGTO_M2M_APP_SECRET]) {
      expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    }
    const gap = /no connector for (\d+) ms, no button for (\d+) ms/.exec(result.stdout);
    expect(gap).not.toBeNull();
    console.log(`Hugging Face sign-in unavailable during the migration: no connector for ${gap![1]} ms, no button for ${gap![2]} ms.`);

    expect((await migrate()).stdout).toContain(`Nothing to do: connector ${connectorId} already uses ${ourFactoryId}.`);
  });

  it('a sign-in begun through the official connector before the migration fails with 400 and says why (never 500)', async () => {
    const verified = await inFlight!.verifySocial(connectorId, inFlightStart!, inFlightQuery!);

    expect(verified.status).toBe(400);
    expect(JSON.stringify(verified.body)).toContain('The sign-in session holds no Hugging Face PKCE verifier or state');
  });

  it('users linked through the official connector sign in through this one as the same Logto users, at the same callback URL', async () => {
    for (const username of linkedUsers) {
      const client = new ExperienceClient(logto.core.endpoint);
      // eslint-disable-next-line no-await-in-loop
      const signedIn = await client.signInWithSocial(connectorId, { username });

      expect(signedIn.registered).toBe(false);
      expect(signedIn.userId).toBe(userIds.get(username));
      // This connector sends PKCE, so the sign-in went through it, to the same callback URL.
      expect(logto.hub.lastAuthorizationParams).toMatchObject({ code_challenge_method: 'S256', redirect_uri: callbackUrl });

      // eslint-disable-next-line no-await-in-loop
      const user = expectStatus(await logto.management.request<LogtoUser>('GET', `/api/users/${signedIn.userId}`), 200, 'user');
      const hfUser = demoUsers.find((candidate) => candidate.preferred_username === username)!;
      expect(user.identities).toEqual({ [target]: expect.objectContaining({ userId: hfUser.sub }) });
    }
    const users = expectStatus(await logto.management.request<LogtoUser[]>('GET', '/api/users'), 200, 'users');
    expect(users).toHaveLength(linkedUsers.length);
  });
});
