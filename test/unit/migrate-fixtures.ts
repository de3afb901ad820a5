/**
 * What the tests of `connector-huggingface migrate` share: the official connector as Logto lists
 * it, a fake Logto per test, clients on a fake clock, and the command with its output captured.
 */
import { afterEach, vi } from 'vitest';

import { runCli } from '../../src/migrate/cli.js';
import { ManagementApiError, type ManagementApiOptions, createManagementApi } from '../../src/migrate/management-api.js';

import { clientId, clientSecret } from '../support/kit.js';

import { type FakeConnector, type FakeLogto, startFakeLogto } from './migrate-fake-logto.js';

/** The Hugging Face app's client secret, which the official connector stored: it must never be printed. */
export { clientSecret } from '../support/kit.js';

/** A config the official connector stored and this connector accepts. */
export const officialConfig = { clientId, clientSecret, scope: 'openid profile email' };

/** The official connector (`huggingface-universal`), with any field changed. */
export const official = (extra: Partial<FakeConnector> = {}): FakeConnector => ({
  id: 'k3x9hfconn',
  connectorId: 'huggingface-universal',
  config: officialConfig,
  syncProfile: true,
  enableTokenStorage: false,
  ...extra,
});

/** Another social connector, which the migration must leave alone. */
export const otherConnector: FakeConnector = { id: 'gh1', connectorId: 'github-universal', config: { clientId: 'gh' }, syncProfile: false, enableTokenStorage: false };

/** Returns a starter of fake Logtos (by default the official connector and GitHub, both buttons shown), each closed after its test. */
export const useFakeLogto = () => {
  let logto: FakeLogto | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await logto?.close();
    logto = undefined;
  });
  return async (options: Partial<Parameters<typeof startFakeLogto>[0]> = {}) => {
    logto = await startFakeLogto({ connectors: [official(), otherConnector], socialTargets: ['github', 'huggingface'], ...options });
    return logto;
  };
};

/**
 * Builds a Management API client whose clock (`performance.now`) stands still but for each answer,
 * which moves it by the call's duration: DELETE 1000 ms, POST 40, GET sign-in-exp 5, PATCH 20.
 */
export const clockedApi: typeof createManagementApi = (options) => {
  const durations: Record<string, number> = { 'DELETE /api/connectors/k3x9hfconn': 1000, 'POST /api/connectors': 40, 'GET /api/sign-in-exp': 5, 'PATCH /api/sign-in-exp': 20 };
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  const api = createManagementApi(options);
  return {
    hide: api.hide,
    call: async (method, path, body) => {
      const answer = await api.call(method, path, body);
      now += durations[`${method} ${path}`] ?? 0;
      return answer;
    },
  };
};

/** A client of the fake, on the fake clock. */
export const apiOf = (fake: FakeLogto) => clockedApi({ endpoint: fake.url, appId: fake.m2m.id, appSecret: fake.m2m.secret });

/** A client builder that records what it is given and whose calls all find Logto unreachable. */
export const unreachableApi = () => {
  const given: ManagementApiOptions[] = [];
  const createApi: typeof createManagementApi = (options) => {
    given.push(options);
    const error = new ManagementApiError('POST /oidc/token (machine-to-machine token)', 0, undefined, 'ECONNREFUSED');
    return { hide: () => undefined, call: () => Promise.reject(error) };
  };
  return { given, createApi };
};

/** Runs the command with these arguments and environment; returns its exit code and output. */
export const runCommand = async (argv: string[], env: Record<string, string | undefined>, createApi?: typeof createManagementApi) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, { out: (line) => out.push(line), err: (line) => err.push(line) }, createApi);
  return { code, out: out.join('\n'), err: err.join('\n'), all: [...out, ...err].join('\n') };
};

/** Runs `migrate` against the fake, its endpoint and credentials in the environment, on the fake clock. */
export const run = async (fake: FakeLogto, ...args: string[]) =>
  runCommand(['migrate', ...args], { LOGTO_ENDPOINT: fake.url, LOGTO_M2M_APP_ID: fake.m2m.id, LOGTO_M2M_APP_SECRET: fake.m2m.secret }, clockedApi);

/** The requests that change something, as `METHOD /path`. */
export const changes = (fake: FakeLogto) =>
  fake.requests.filter(({ method, path }) => method !== 'GET' && path.startsWith('/api/')).map(({ method, path }) => `${method} ${path}`);

/** Every form a secret could leak in: plain, base64 (a Basic header), URL-encoded, JSON-escaped. */
export const leaks = (text: string, secrets: string[]) =>
  secrets.flatMap((secret) =>
    [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)].filter((form) => text.includes(form))
  );
