/**
 * A real Logto for the suite, set up as an operator would: the built `LOGTO_DIR`, a database of
 * its own seeded by Logto's CLI, this connector installed from the packed tarball with `logto
 * connector add`, one or two core processes (`../shared/logto/start.sh`) on that database behind
 * a round-robin proxy (their `ENDPOINT`), the Hugging Face stand-in served as
 * `https://huggingface.co`, and the Management API. Run with `npm run test:logto`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { expect } from 'vitest';

import { repoRoot } from '../../../scripts/cache-install.mjs';
import { packPackage, releasePackedPackage } from '../../logto/pack.js';

import { expectStatus, requestJson, type JsonResponse } from './http.js';
import { startHub, type Hub, type HubOptions } from './hub.js';
import { startProxy, type Proxy } from './proxy.js';

const run = promisify(execFile);

export { repoRoot };

/** The connector's factory id and target, as Logto lists them. */
export const factoryId = 'huggingface-oidc-universal';
export const target = 'huggingface';

/** The sign-in page's two calls into the connector (packages/experience: apis/experience/social.ts). */
export const authorizationStep = /^\/api\/experience\/verification\/social\/[^/]+\/authorization-uri$/;
export const callbackStep = /^\/api\/experience\/verification\/social\/[^/]+\/verify$/;

/** One core process on loopback: its user tenant on `port`, its admin tenant on `adminPort`. */
type Core = { name: 'A' | 'B'; port: number; adminPort: number };

/** Options of {@link startLogto}. */
export type LogtoOptions = {
  /** The stand-in's apps, users and behaviour. */
  hub: HubOptions;
  /** How many cores share the database; default 1. */
  cores?: 1 | 2;
  /** When given, {@link addConnector} with it once core A runs, before core B starts (whose list of connectors is then fresh). */
  connector?: Record<string, unknown>;
  /** Runs once this connector is installed, before core starts; answers its undo. */
  prepare?: (logtoDir: string, tarball: string) => Promise<() => Promise<void>>;
};

/** A running Logto. */
export type RealLogto = {
  hub: Hub;
  /**
   * The proxy in front of the cores, every core's `ENDPOINT`: the sign-in page's authorization
   * step goes to A, its callback to B (the last core), a request with `x-core: <name>` to that
   * core, the rest in turn.
   */
  proxy: Proxy;
  /** `proxy.url`: where users, apps and browsers reach Logto. */
  endpoint: string;
  /** The connector made from {@link LogtoOptions.connector}, else empty. */
  connectorId: string;
  /** Runs one SQL statement in Logto's database; answers `psql`'s unaligned, tuples-only output. */
  query(sql: string): Promise<string>;
  /** The Management API through core A (`m-default`'s token); answers whatever comes back. */
  management<T = unknown>(method: string, pathname: string, json?: unknown): Promise<JsonResponse<T>>;
  /** The same for a step that sets a test up: throws unless Logto answers 2xx. */
  admin<T = unknown>(method: string, pathname: string, json?: unknown): Promise<T>;
  /** Stops the cores, closes the proxy and the stand-in, drops the database; safe to call twice. */
  stop(): Promise<void>;
};

/** The built Logto `npm run test:logto` gave as `LOGTO_DIR`. */
function builtLogto(): string {
  const dir = process.env.LOGTO_DIR;
  if (!dir || !existsSync(path.join(dir, 'packages', 'core', 'build'))) {
    throw new Error(`LOGTO_DIR=${dir ?? ''} holds no built Logto core: run the suite with \`npm run test:logto\`.`);
  }
  return path.resolve(dir);
}

/** `node packages/cli/bin/logto.js <args>` of the built Logto. */
const logtoCli = async (logtoDir: string, args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [path.join(logtoDir, 'packages', 'cli', 'bin', 'logto.js'), ...args], {
    cwd: logtoDir,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    timeout: 180_000,
  });

const psql = async (url: URL, sql: string) => (await run('psql', [url.href, '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], { timeout: 60_000 })).stdout.trim();

/**
 * Creates a database of its own with `logto db seed --dapc` (the seed makes the database and its
 * roles) on the server build.sh used, starting that Debian PostgreSQL cluster when it is down.
 *
 * @returns Its URL and the undo that drops it with its roles.
 */
async function seedDatabase(logtoDir: string): Promise<{ url: URL; drop: () => Promise<void> }> {
  const recorded = path.join(logtoDir, '.logto-db-url');
  const server = new URL(existsSync(recorded) ? readFileSync(recorded, 'utf8').trim() : 'postgres://logto:logto@127.0.0.1:5432/logto');
  const clusters = await run('pg_lsclusters', ['--no-header']).then(({ stdout }) => stdout, () => '');
  const [version, cluster, , status] = clusters.split('\n').map((line) => line.trim().split(/\s+/)).find((fields) => fields[2] === (server.port || '5432')) ?? [];
  if (version && cluster && status !== 'online') await run('pg_ctlcluster', [version, cluster, 'start']);

  const name = `logto_rl_${randomBytes(4).toString('hex')}`;
  const postgres = new URL('postgres', server);
  const drop = async () => {
    await psql(postgres, `drop database if exists ${name} with (force)`);
    await psql(postgres, `drop role if exists logto_tenant_${name}_admin, logto_tenant_${name}_default, logto_tenant_${name}`);
  };
  try {
    await logtoCli(logtoDir, ['db', 'seed', '--dapc'], { DB_URL: new URL(name, server).href });
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: new URL(name, server), drop };
}

/** `start.sh start|stop` for one core; throws with start.sh's output and the end of core's log. */
async function startScript(command: 'start' | 'stop', logtoDir: string, core: Core, env: Record<string, string>): Promise<void> {
  const script = path.join(repoRoot, '..', 'shared', 'logto', 'start.sh');
  const vars = { LOGTO_DIR: logtoDir, PORT: String(core.port), ADMIN_PORT: String(core.adminPort) };
  try {
    await run('bash', [script, command], { env: { ...process.env, ...vars, ...env }, timeout: 150_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const log = await readFile(path.join(logtoDir, '.state', `core-${core.port}.log`), 'utf8').catch(() => '');
    throw new Error(`start.sh ${command} failed on port ${core.port}: ${`${stdout}\n${stderr}`.trim().slice(-1500)}\n--- core log ---\n${log.slice(-4000)}`, {
      cause: error,
    });
  }
}

/** The Management API of `core` with a client-credentials token of the seeded `m-default` app, fetched on first use. */
function managementApi(core: Core, secret: string): RealLogto['management'] {
  let token: Promise<string> | undefined;
  return async <T>(method: string, pathname: string, json?: unknown) => {
    token ??= requestJson<{ access_token: string }>(`http://127.0.0.1:${core.adminPort}/oidc/token`, {
      form: { grant_type: 'client_credentials', resource: 'https://default.logto.app/api', scope: 'all' },
      headers: { authorization: `Basic ${Buffer.from(`m-default:${secret}`).toString('base64')}` },
    }).then((answer) => expectStatus(answer, 200, 'Management API token').access_token);
    return requestJson<T>(`http://127.0.0.1:${core.port}${pathname}`, { method, json, headers: { authorization: `Bearer ${await token}` } });
  };
}

/**
 * Seeds a database, installs this connector with `logto connector add` (the CLI logs a package it
 * failed to install and still exits 0: the folder is the proof), runs `prepare`, starts the
 * stand-in, the proxy and the cores, A first. Whatever was started is undone, last first, when a
 * later step fails.
 */
export async function startLogto(options: LogtoOptions): Promise<RealLogto> {
  const logtoDir = builtLogto();
  const undo: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) {
      // eslint-disable-next-line no-await-in-loop -- a core stops before its database is dropped
      await step().catch((error: unknown) => console.error(error));
    }
  };
  try {
    const db = await seedDatabase(logtoDir);
    undo.push(db.drop);
    const packed = await packPackage();
    const folder = packed.name.replaceAll('/', '-');
    try {
      const { stdout, stderr } = await logtoCli(logtoDir, ['connector', 'add', packed.tarball, '--path', logtoDir]);
      if (!existsSync(path.join(logtoDir, 'packages', 'core', 'connectors', folder, 'package.json'))) {
        throw new Error(`logto connector add did not install ${packed.name}:\n${stdout}\n${stderr}`);
      }
      if (options.prepare) undo.push(await options.prepare(logtoDir, packed.tarball));
    } finally {
      await releasePackedPackage();
    }

    const hub = await startHub(options.hub);
    undo.push(() => hub.close());
    const port = Number(process.env.REAL_LOGTO_PORT ?? 3301);
    const adminPort = Number(process.env.REAL_LOGTO_ADMIN_PORT ?? 3302);
    const cores = (['A', 'B'] as const).slice(0, options.cores ?? 1).map((name, index) => ({ name, port: port + 20 * index, adminPort: adminPort + 20 * index }));
    const proxy = await startProxy(cores, (method, pathname) => {
      if (method === 'POST' && authorizationStep.test(pathname)) return cores[0]!.name;
      if (method === 'POST' && callbackStep.test(pathname)) return cores.at(-1)!.name;
      return undefined;
    });
    undo.push(() => proxy.close());
    const coreEnv = { ...hub.coreEnv, DB_URL: db.url.href, ENDPOINT: proxy.url };
    const startCore = async (core: Core) => {
      undo.push(() => startScript('stop', logtoDir, core, coreEnv));
      // A core a crashed run left on this port would be kept, with its database: stop it first.
      await startScript('stop', logtoDir, core, coreEnv);
      await startScript('start', logtoDir, core, coreEnv);
    };
    await startCore(cores[0]!);
    const log = await readFile(path.join(logtoDir, '.state', `core-${port}.log`), 'utf8');
    const skipped = log.split('\n').find((line) => line.includes('[load-connector]') && line.includes(` ${folder} `));
    if (skipped) throw new Error(`Logto did not load this connector: ${skipped.trim()}`);

    const management = managementApi(cores[0]!, await psql(db.url, "select secret from applications where id = 'm-default'"));
    const logto: RealLogto = {
      hub,
      proxy,
      endpoint: proxy.url,
      connectorId: '',
      query: async (sql) => psql(db.url, sql),
      management,
      admin: async <T>(method: string, pathname: string, json?: unknown) =>
        expectStatus(await management<T>(method, pathname, json), [200, 201, 204], `${method} ${pathname}`),
      stop,
    };
    if (options.connector) logto.connectorId = await addConnector(logto, options.connector);
    if (cores[1]) await startCore(cores[1]);
    return logto;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The admin's setup: creates this connector with `config` and token storage on, adds it to the
 * sign-in experience and turns the Account Center on.
 *
 * @returns The connector's id.
 */
export async function addConnector(logto: RealLogto, config: Record<string, unknown>): Promise<string> {
  const { id } = await logto.admin<{ id: string }>('POST', '/api/connectors', { connectorId: factoryId, config, enableTokenStorage: true });
  const { socialSignInConnectorTargets } = await logto.admin<{ socialSignInConnectorTargets: string[] }>('GET', '/api/sign-in-exp');
  await logto.admin('PATCH', '/api/sign-in-exp', { socialSignInConnectorTargets: [...new Set([...socialSignInConnectorTargets, target])] });
  await logto.admin('PATCH', '/api/account-center', { enabled: true });
  return id;
}

/** Moves the user's one stored token set's `expiresAt` (whole seconds) a minute into the past. */
export async function expireStoredTokenSet(logto: RealLogto, userId: string): Promise<void> {
  if (!/^\w+$/.test(userId)) throw new TypeError(`Unexpected Logto user id "${userId}"`);
  const updated = await logto.query(
    `update secrets set metadata = jsonb_set(metadata, '{expiresAt}', to_jsonb(floor(extract(epoch from now()))::bigint - 60)) where user_id = '${userId}' returning id`,
  );
  expect(updated.split('\n').filter(Boolean), 'stored token sets of the user').toHaveLength(1);
}

/** Whose access token this is, as the stand-in's userinfo endpoint says; `undefined` when it refuses it. */
export async function tokenOwner(hub: Hub, accessToken: string): Promise<string | undefined> {
  const { body } = await requestJson<{ sub?: string }>(`${hub.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  return body.sub;
}
