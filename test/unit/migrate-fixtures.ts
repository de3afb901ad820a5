/**
 * What the tests of `connector-huggingface migrate` share: the official Hugging Face connector as
 * Logto lists it, a second social connector, and running the command with its output captured.
 */
import { afterEach } from 'vitest';

import { runCli } from '../../src/migrate/cli.js';

import { type FakeConnector, type FakeLogto, startFakeLogto } from './migrate-fake-logto.js';

/** The official connector's client secret: it must never be printed. */
export const clientSecret = 'hf-client-secret-9dK2mZ';

/** A config the official connector stored and this connector accepts. */
export const officialConfig = { clientId: 'hf-client-id', clientSecret, scope: 'openid profile email' };

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
export const otherConnector: FakeConnector = {
  id: 'gh1',
  connectorId: 'github-universal',
  config: { clientId: 'gh', clientSecret: 'gh-secret' },
  syncProfile: false,
  enableTokenStorage: false,
};

/**
 * Returns a starter of fake Logto instances (by default: the official connector and GitHub, both
 * buttons shown), each closed after its test.
 */
export const useFakeLogto = () => {
  let logto: FakeLogto | undefined;
  afterEach(async () => {
    await logto?.close();
    logto = undefined;
  });
  return async (options: Partial<Parameters<typeof startFakeLogto>[0]> = {}) => {
    logto = await startFakeLogto({
      connectors: [official(), otherConnector],
      socialTargets: ['github', 'huggingface'],
      ...options,
    });
    return logto;
  };
};

/** The fake's endpoint and M2M credentials, as environment variables. */
export const credentialsOf = (fake: FakeLogto) => ({
  LOGTO_ENDPOINT: fake.url,
  LOGTO_M2M_APP_ID: fake.m2m.id,
  LOGTO_M2M_APP_SECRET: fake.m2m.secret,
});

/** Runs the command with these arguments and environment; returns its exit code and output. */
export const runCommand = async (
  argv: string[],
  env: Record<string, string | undefined>,
  createApi?: Parameters<typeof runCli>[3]
) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, { out: (line) => out.push(line), err: (line) => err.push(line) }, createApi);
  return { code, out: out.join('\n'), err: err.join('\n'), all: [...out, ...err].join('\n') };
};

/** Runs `migrate` with credentials from the environment. */
export const run = async (fake: FakeLogto, ...args: string[]) => runCommand(['migrate', ...args], credentialsOf(fake));

/** The requests that change something. */
export const changes = (fake: FakeLogto) =>
  fake.requests.filter(({ method, path }) => method !== 'GET' && path.startsWith('/api/'));

/** Every form a secret could leak in: plain, base64 (a Basic header), URL-encoded, JSON-escaped. */
export const leaks = (text: string, secrets: string[]) =>
  secrets.flatMap((secret) =>
    [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)].filter(
      (form) => text.includes(form)
    )
  );
