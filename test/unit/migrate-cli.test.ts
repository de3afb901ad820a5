/**
 * `connector-huggingface` as the README, docs/migrating.md and its usage text describe it. Exit
 * status: 0 done, nothing to do or dry run; 1 not migrated; 2 bad usage, told in one or three lines.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import type { FakeConnector, Fault } from './migrate-fake-logto.js';
import { changes, clientSecret, leaks, official, officialConfig, otherConnector, run, runCommand, unreachableApi, useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

const usage = `Usage: connector-huggingface migrate [options]

Replaces Logto's official Hugging Face connector (huggingface-universal) with
this one (huggingface-oidc-universal) under the same connector id, so the
callback URL registered at Hugging Face and every linked user keep working.
Install this connector and restart Logto first.

Options (each also read from the environment variable in parentheses):
  --endpoint URL        Logto's endpoint, e.g. https://auth.example.com
                        (LOGTO_ENDPOINT); http only for a loopback host
  --m2m-id ID           a machine-to-machine app with Management API access
                        (LOGTO_M2M_APP_ID)
  --m2m-secret SECRET   its app secret (LOGTO_M2M_APP_SECRET); prefer the
                        variable: a command line is visible to other users
  --token-endpoint URL  default \${endpoint}/oidc/token (LOGTO_TOKEN_ENDPOINT)
  --resource URI        default https://default.logto.app/api
                        (LOGTO_MANAGEMENT_API_RESOURCE)
  --dry-run             show what would change, change nothing
  --version             print this command's version
  --help                print this text`;

/** A complete environment; its endpoint is loopback, its secret 22 characters. */
const complete = { LOGTO_ENDPOINT: 'http://127.0.0.1:1', LOGTO_M2M_APP_ID: 'm2m-app', LOGTO_M2M_APP_SECRET: 'm2m-secret-Qx7WvA9pL2' };

describe('usage', () => {
  it.each([[['--help']], [['help']], [['migrate', '--help']], [['migrate', '--dry-run', '--help']]])('%j prints the usage on stdout and exits 0', async (argv) => {
    const result = await runCommand(argv, {});

    expect(result).toMatchObject({ code: 0, out: usage, err: '' });
    expect(result.out.split('\n').filter((line) => line.length > 80)).toEqual([]);
  });

  it.each([[['--version']], [['migrate', '--version']]])('%j prints the version in package.json and exits 0', async (argv) => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

    expect(await runCommand(argv, {})).toMatchObject({ code: 0, out: version, err: '' });
  });

  it.each([
    ['no command', [], {}, 'No command given.'],
    ['an unknown command', ['migrat'], {}, 'Unknown command "migrat".'],
    ['an unknown option', ['migrate', '--endpiont', 'http://127.0.0.1:1'], {}, "'--endpiont'"],
    ['a stray argument', ['migrate', 'now'], {}, "'now'"],
    ['no credentials', ['migrate'], {}, 'Missing --endpoint (or LOGTO_ENDPOINT), --m2m-id (or LOGTO_M2M_APP_ID), --m2m-secret (or LOGTO_M2M_APP_SECRET).'],
    ['an empty LOGTO_ENDPOINT', ['migrate'], { ...complete, LOGTO_ENDPOINT: '' }, 'Missing --endpoint (or LOGTO_ENDPOINT).'],
    ['no LOGTO_M2M_APP_ID', ['migrate'], { ...complete, LOGTO_M2M_APP_ID: undefined }, 'Missing --m2m-id (or LOGTO_M2M_APP_ID).'],
    ['an empty LOGTO_M2M_APP_SECRET', ['migrate'], { ...complete, LOGTO_M2M_APP_SECRET: '' }, 'Missing --m2m-secret (or LOGTO_M2M_APP_SECRET).'],
  ])('%s is bad usage: exit 2, the problem, the synopsis and a pointer to --help, nothing more', async (_, argv, env, problem) => {
    const result = await runCommand(argv, env);

    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err.split('\n')).toEqual([
      expect.stringContaining(problem),
      'Usage: connector-huggingface migrate [options]',
      'Run `connector-huggingface --help` for the options.',
    ]);
  });
});

describe('before any connection', () => {
  const httpsOnly = (source: string) =>
    `${source} must use https: the machine-to-machine credentials or token go there (plain http is allowed only for a loopback host: localhost, 127.0.0.1, [::1]).`;
  const notHttpUrl = (source: string) => `${source} must be an http(s) URL, e.g. https://auth.example.com.`;
  const tooShort = (source: string) =>
    `${source} is shorter than 16 characters, too short to be an app secret (Logto's are 32): copy the whole secret of the machine-to-machine app from Logto's console.`;

  it.each([
    [['--endpoint', 'http://auth.example.com'], {}, httpsOnly('--endpoint')],
    [[], { LOGTO_ENDPOINT: 'http://auth.example.com:3001' }, httpsOnly('LOGTO_ENDPOINT')],
    [['--endpoint', 'http://127.0.0.1.example.com', '--token-endpoint', 'http://127.0.0.1:1/oidc/token'], {}, httpsOnly('--endpoint')],
    [['--token-endpoint', 'http://auth.example.com/oidc/token'], {}, httpsOnly('--token-endpoint')],
    [['--endpoint', 'https://auth.example.com'], { LOGTO_TOKEN_ENDPOINT: 'http://admin.example.com/oidc/token' }, httpsOnly('LOGTO_TOKEN_ENDPOINT')],
    [['--endpoint', 'auth.example.com'], {}, notHttpUrl('--endpoint')],
    [['--token-endpoint', 'file:///oidc/token'], {}, notHttpUrl('--token-endpoint')],
    [[], { LOGTO_M2M_APP_SECRET: 'o' }, tooShort('LOGTO_M2M_APP_SECRET')],
    [['--m2m-secret', 'fifteen-chars-x'], {}, tooShort('--m2m-secret')],
  ])('refuses %j %j in one line, exit 2, without building a client', async (argv, env, refusal) => {
    const { createApi, given } = unreachableApi();
    const result = await runCommand(['migrate', ...argv], { ...complete, ...env }, createApi);

    expect(given).toEqual([]);
    expect(result).toMatchObject({ code: 2, out: '', err: refusal });
  });

  const options = { endpoint: 'http://127.0.0.1:1', appId: 'm2m-app', appSecret: 'm2m-secret-Qx7WvA9pL2' };
  const admin = { tokenEndpoint: 'http://localhost:3002/oidc/token', resource: 'https://admin.logto.app/api' };

  it.each([
    ['https', ['--endpoint', 'https://auth.example.com'], {}, { endpoint: 'https://auth.example.com' }],
    ['http to localhost', ['--endpoint', 'http://localhost:3001'], {}, { endpoint: 'http://localhost:3001' }],
    ['a secret of 16 characters', ['--m2m-secret', 'sixteen-chars-xy'], {}, { appSecret: 'sixteen-chars-xy' }],
    ['the token endpoint and resource options', ['--token-endpoint', admin.tokenEndpoint, '--resource', admin.resource], {}, admin],
    ['the token endpoint and resource variables', [], { LOGTO_TOKEN_ENDPOINT: admin.tokenEndpoint, LOGTO_MANAGEMENT_API_RESOURCE: admin.resource }, admin],
    [
      'the options rather than the variables',
      ['--endpoint', 'https://auth.example.com', '--m2m-id', 'other-app', '--m2m-secret', 'other-secret-Zq81Lp', '--token-endpoint', 'https://auth.example.com/oidc/token'],
      { LOGTO_TOKEN_ENDPOINT: 'http://localhost:3002/oidc/token' },
      { endpoint: 'https://auth.example.com', appId: 'other-app', appSecret: 'other-secret-Zq81Lp', tokenEndpoint: 'https://auth.example.com/oidc/token' },
    ],
  ])('accepts %s and hands it to the client, then reports Logto unreachable', async (_, argv, env, expected) => {
    const { createApi, given } = unreachableApi();
    const result = await runCommand(['migrate', ...argv], { ...complete, ...env }, createApi);

    expect(given).toEqual([{ ...options, ...expected }]);
    expect(result).toMatchObject({
      code: 1,
      err: 'Could not read the Logto instance, nothing was changed: POST /oidc/token (machine-to-machine token): no answer from Logto (ECONNREFUSED)',
    });
  });
});

describe('the dry run', () => {
  it('shows the connector, its callback URL, its config without the secret, the buttons and the plan, and changes nothing', async () => {
    const fake = await start();
    const result = await run(fake, '--dry-run', '--endpoint', `${fake.url}//`);

    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toEqual([
      `Official connector: id k3x9hfconn, callback URL ${fake.url}/callback/k3x9hfconn`,
      '  config: clientId="hf-test-client-id", clientSecret=(hidden), scope="openid profile email"',
      '  syncProfile: true, enableTokenStorage: false',
      '  social buttons of the sign-in experience: github, huggingface',
      'Plan:',
      '  1. DELETE /api/connectors/k3x9hfconn (Logto then drops "huggingface" from the social buttons)',
      '  2. POST /api/connectors with id k3x9hfconn, connectorId huggingface-oidc-universal and the same config, syncProfile and enableTokenStorage',
      '  3. put "huggingface" back among the social buttons, at its place',
      'Hugging Face sign-in is unavailable between steps 1 and 3.',
      'Dry run: nothing was changed.',
    ]);
    expect(changes(fake)).toEqual([]);
    expect(leaks(result.all, [clientSecret, fake.m2m.secret])).toEqual([]);
  });

  const { enableTokenStorage: _absent, ...older } = official({ syncProfile: false });

  it.each([
    ['no "huggingface" button', { socialTargets: [] }, ['  social buttons of the sign-in experience: (none)', '  3. leave the social buttons as they are ("huggingface" is not among them)']],
    ['a Logto whose listing has no enableTokenStorage', { connectors: [older, otherConnector] }, ['  syncProfile: false, enableTokenStorage: false']],
    [
      'a config value holding controls JSON does not escape',
      { connectors: [official({ config: { ...officialConfig, clientId: 'hf\u009B2K\u202Eclient' } }), otherConnector] },
      ['  config: clientId="hf 2K client", clientSecret=(hidden), scope="openid profile email"'],
    ],
  ])('shows %s', async (_, state, lines) => {
    const fake = await start(state);

    expect((await run(fake, '--dry-run')).out.split('\n')).toEqual(expect.arrayContaining(lines));
  });
});

describe('outcomes', () => {
  const done = 'Done: Hugging Face sign-in now runs through huggingface-oidc-universal under connector id k3x9hfconn; no connector for 40 ms';

  it.each([
    ['nothing to do', { connectors: [otherConnector, official({ connectorId: 'huggingface-oidc-universal' })] }, ['Nothing to do: connector k3x9hfconn already uses huggingface-oidc-universal.']],
    ['a migration without a button to put back', { socialTargets: ['github'] }, [`${done}.`]],
    [
      'a migration, each step as it happens, then both gaps',
      {},
      [
        'Hugging Face sign-in is unavailable between steps 1 and 3.',
        'Deleted the official connector k3x9hfconn.',
        'Created huggingface-oidc-universal under the same connector id k3x9hfconn.',
        'Put "huggingface" back among the sign-in experience\'s social buttons.',
        `${done}, no button for 65 ms.`,
      ],
    ],
  ])('tells %s on stdout, exit 0', async (_, state, lines) => {
    const result = await run(await start(state));

    expect(result.code).toBe(0);
    expect(result.out.split('\n').slice(-lines.length)).toEqual(lines);
  });

  const createRefused: Fault = { kind: 'answer', status: 400, body: { code: 'connector.invalid_config', message: "The connector's config is invalid." } };
  const deleteForbidden: Fault = { kind: 'answer', status: 403, body: { code: 'auth.forbidden', message: 'Forbidden.' } };

  it.each<[string, { connectors?: FakeConnector[] }, [string, Fault] | [], string[]]>([
    [
      'a plan that cannot go ahead, with the reason and the fix',
      { connectors: [otherConnector] },
      [],
      [
        'No connector of the official factory "huggingface-universal" exists on this Logto instance.',
        'Nothing to migrate: create the Hugging Face connector from this connector in the console instead.',
      ],
    ],
    [
      'an instance it could not read',
      {},
      ['POST /oidc/token', { kind: 'answer', status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } }],
      ['Could not read the Logto instance, nothing was changed: POST /oidc/token (machine-to-machine token): Logto answered 401 invalid_client: client authentication failed'],
    ],
    [
      'a rollback',
      {},
      ['POST /api/connectors', createRefused],
      [
        "Not migrated: creating huggingface-oidc-universal failed (POST /api/connectors: Logto answered 400 connector.invalid_config: The connector's config is invalid.). The official connector is back under k3x9hfconn with its config; sign-in works as before.",
      ],
    ],
    [
      'a failure',
      {},
      ['DELETE /api/connectors/k3x9hfconn', deleteForbidden],
      ['Deleting the official connector failed, nothing was changed: DELETE /api/connectors/k3x9hfconn: Logto answered 403 auth.forbidden: Forbidden.'],
    ],
  ])('tells %s on stderr, exit 1', async (_, state, [request, fault], lines) => {
    const fake = await start(state);
    if (request && fault) {
      fake.fail(request, fault);
    }
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toEqual(lines);
  });

  it('keeps the client secret out of a message cut short right inside it', async () => {
    const fake = await start();
    // The cut falls at 300 characters; the secret starts 290 characters in.
    const message = `${'x'.repeat(290)}${clientSecret} tail`;
    fake.fail('POST /api/connectors', { kind: 'answer', status: 422, body: { code: 'connector.invalid_config', message } });
    const result = await run(fake);

    expect(result.all).toContain(`${'x'.repeat(290)}[redacted]…`);
  });
});
