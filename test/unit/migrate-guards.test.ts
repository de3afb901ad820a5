/**
 * What `connector-huggingface migrate` refuses before it opens any connection, and what of
 * Logto's text it never prints as is:
 * - credentials and tokens travel only over https, or plain http to a loopback host: the rule the
 *   connector applies to `hubUrl` (README, "Security");
 * - a machine-to-machine secret shorter than the connector's shortest client secret (16
 *   characters; Logto's app secrets are 32) is refused rather than redacted from every line;
 * - Logto's answers reach the terminal as the connector quotes Hugging Face's: without control
 *   characters, so a hostile answer cannot erase a line or print one of its own.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createManagementApi } from '../../src/migrate/management-api.js';

import { changes, clientSecret, credentialsOf, official, otherConnector, run, runCommand, useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Records every URL the command asks `fetch` for. Requests to 127.0.0.1 (the fake Logto) go
 * through; any other host fails as an unreachable one would, so no test leaves the machine.
 */
const recordRequests = () => {
  const realFetch = globalThis.fetch;
  const sent: string[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    sent.push(url);
    if (new URL(url).hostname === '127.0.0.1') {
      return realFetch(input, init);
    }
    throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }) });
  });
  return sent;
};

/** Any C0 or C1 control, DEL, a Unicode line or paragraph separator; `\n` only between lines. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlCharacter = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029]/;

describe('credentials travel only over https or to a loopback host', () => {
  const m2m = { LOGTO_M2M_APP_ID: 'm2m-app', LOGTO_M2M_APP_SECRET: 'm2m-secret-Qx7WvA9pL2' };

  it.each([
    ['--endpoint', 'http://auth.example.com', ['--endpoint', 'http://auth.example.com'], {}],
    ['LOGTO_ENDPOINT', 'http://auth.example.com:3001', [], { LOGTO_ENDPOINT: 'http://auth.example.com:3001' }],
    ['--endpoint', 'http://10.0.0.5:3001', ['--endpoint', 'http://10.0.0.5:3001'], {}],
    ['--endpoint', 'http://localhost.example.com', ['--endpoint', 'http://localhost.example.com'], {}],
    ['--endpoint', 'http://127.0.0.1.example.com', ['--endpoint', 'http://127.0.0.1.example.com'], {}],
    [
      '--token-endpoint',
      'http://auth.example.com/oidc/token',
      ['--endpoint', 'https://auth.example.com', '--token-endpoint', 'http://auth.example.com/oidc/token'],
      {},
    ],
    [
      'LOGTO_TOKEN_ENDPOINT',
      'http://admin.example.com/oidc/token',
      ['--endpoint', 'https://auth.example.com'],
      { LOGTO_TOKEN_ENDPOINT: 'http://admin.example.com/oidc/token' },
    ],
  ])('refuses %s %s in one line, exit 2, before any request', async (source, _, args, env) => {
    const sent = recordRequests();
    const result = await runCommand(['migrate', ...args], { ...m2m, ...env });

    expect(result.code).toBe(2);
    expect(sent).toEqual([]);
    expect(result.out).toBe('');
    expect(result.err.split('\n')).toEqual([
      `${source} must use https: the machine-to-machine credentials or token go there (plain http is allowed only for a loopback host: localhost, 127.0.0.1, [::1]).`,
    ]);
  });

  it('contacts neither URL when one of them is refused: the loopback one stays untouched', async () => {
    const fake = await start();
    const sent = recordRequests();
    const withRemoteApi = await runCommand(
      ['migrate', '--dry-run', '--endpoint', 'http://auth.example.com', '--token-endpoint', `${fake.url}/oidc/token`],
      credentialsOf(fake)
    );
    const withRemoteToken = await runCommand(
      ['migrate', '--dry-run', '--token-endpoint', 'http://auth.example.com/oidc/token'],
      credentialsOf(fake)
    );

    expect([withRemoteApi.code, withRemoteToken.code]).toEqual([2, 2]);
    expect(sent).toEqual([]);
    expect(fake.requests).toEqual([]);
  });

  it('runs against plain http on 127.0.0.1', async () => {
    const fake = await start();
    const sent = recordRequests();
    const result = await run(fake, '--dry-run');

    expect(result.code).toBe(0);
    expect(sent[0]).toBe(`${fake.url}/oidc/token`);
    expect(fake.requests.map(({ method, path }) => `${method} ${path}`)).toContain('POST /oidc/token');
  });

  it.each([
    ['https://auth.example.com', 'https://auth.example.com/oidc/token'],
    ['http://localhost:3001', 'http://localhost:3001/oidc/token'],
    ['http://[::1]:3001', 'http://[::1]:3001/oidc/token'],
    ['http://127.0.0.53:3001', 'http://127.0.0.53:3001/oidc/token'],
  ])('lets %s through to its token endpoint', async (endpoint, tokenEndpoint) => {
    const sent = recordRequests();
    const result = await runCommand(['migrate', '--endpoint', endpoint], m2m);

    expect(result.code).toBe(1);
    expect(sent).toEqual([tokenEndpoint]);
    expect(result.err).toMatch(/^Could not read the Logto instance, nothing was changed: .*no answer from Logto/);
  });
});

describe('a machine-to-machine secret too short to be one', () => {
  it.each([
    ['LOGTO_M2M_APP_SECRET', 'o', [], { LOGTO_M2M_APP_SECRET: 'o' }],
    ['LOGTO_M2M_APP_SECRET', 'secret', [], { LOGTO_M2M_APP_SECRET: 'secret' }],
    ['--m2m-secret', 'fifteen-chars-x', ['--m2m-secret', 'fifteen-chars-x'], {}],
  ])('refuses %s %j in one line, exit 2, before any request', async (source, _, args, env) => {
    const sent = recordRequests();
    const result = await runCommand(['migrate', ...args], {
      LOGTO_ENDPOINT: 'http://127.0.0.1:1',
      LOGTO_M2M_APP_ID: 'm2m-app',
      ...env,
    });

    expect(result.code).toBe(2);
    expect(sent).toEqual([]);
    expect(result.err.split('\n')).toEqual([
      `${source} is shorter than 16 characters, too short to be an app secret (Logto's are 32): copy the whole secret of the machine-to-machine app from Logto's console.`,
    ]);
  });

  it('accepts 16 characters', async () => {
    const sent = recordRequests();
    const result = await runCommand(['migrate', '--m2m-secret', 'sixteen-chars-xy'], {
      LOGTO_ENDPOINT: 'https://auth.example.com',
      LOGTO_M2M_APP_ID: 'm2m-app',
    });

    expect(result.code).toBe(1);
    expect(sent).toEqual(['https://auth.example.com/oidc/token']);
  });
});

describe("Logto's text on the terminal", () => {
  const forged =
    '\u001b[2K\rDone: Hugging Face sign-in now runs through huggingface-oidc-universal under connector id k3x9hfconn; no connector for 4 ms.';

  it('keeps an answer from erasing the line or printing one of its own', async () => {
    const fake = await start();
    fake.fail('DELETE /api/connectors/k3x9hfconn', {
      kind: 'answer',
      status: 500,
      body: { code: 'internal\u0007\r\nDone: forged', message: `${forged}\n${forged}\u2028\u009B2K\u0007` },
    });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(fake.connectors).toEqual([official(), otherConnector]);
    expect(result.err).not.toMatch(controlCharacter);
    expect(result.err.split('\n')).toEqual([
      expect.stringMatching(/^Deleting the official connector failed, nothing was changed: DELETE \/api\/connectors\/k3x9hfconn: Logto answered 500 /),
    ]);
    expect(result.out.split('\n').filter((line) => line.startsWith('Done:'))).toEqual([]);
  });

  it.each([
    ['a connector id', { connectors: [official({ id: `k3x9\n${forged}` }), otherConnector] }],
    ['a social target', { socialTargets: ['github', `huggingface\n${forged}`] }],
    ['a config key', { connectors: [official({ config: { clientId: 'hf', clientSecret: 'hf-client-secret-9dK2mZ', [`x\n${forged}`]: 1 } }), otherConnector] }],
  ])('stops before any change when Logto lists %s holding control characters', async (_, state) => {
    const fake = await start(state);
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(changes(fake)).toEqual([]);
    expect(result.err).toMatch(/^Could not read the Logto instance, nothing was changed: /);
    expect(result.all).not.toMatch(controlCharacter);
  });

  it('names an answer that is not JSON without quoting it', async () => {
    const fake = await start();
    fake.fail('GET /api/connectors', { kind: 'text', status: 200, text: 'x\n\nMigrated OK\n' });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toEqual([
      'Could not read the Logto instance, nothing was changed: GET /api/connectors: Logto answered 200: the answer is not JSON',
    ]);
  });

  it('takes a deletion answered 2xx as done, whatever its answer holds', async () => {
    const fake = await start();
    fake.fail('DELETE /api/connectors/k3x9hfconn', { kind: 'text', status: 200, text: 'OK' });
    const result = await run(fake);

    expect(result.code).toBe(0);
    expect(fake.connectors.map(({ connectorId }) => connectorId).sort()).toEqual(['github-universal', 'huggingface-oidc-universal']);
  });

  it('keeps the client secret out of a message cut short right inside it', async () => {
    const fake = await start();
    // The cut falls at 300 characters; the secret starts 290 characters in.
    fake.fail('POST /api/connectors', {
      kind: 'answer',
      status: 422,
      body: { code: 'connector.invalid_config', message: `${'x'.repeat(290)}${clientSecret} tail` },
    });
    const result = await run(fake);

    expect(result.code).toBe(1);
    // Its start after what it shares with the client ID (`hf-client-id`).
    expect(result.all).not.toContain(clientSecret.slice(0, 'hf-client-s'.length));
    expect(result.all).toContain(`${'x'.repeat(290)}[redacted]`);
  });

  it('removes controls a config value carries past JSON quoting', async () => {
    const fake = await start({
      connectors: [official({ config: { clientId: 'hf\u009B2K\u202Eclient', clientSecret: 'hf-client-secret-9dK2mZ' } }), otherConnector],
    });
    const result = await run(fake, '--dry-run');

    expect(result.code).toBe(0);
    expect(result.out).not.toMatch(controlCharacter);
    expect(result.out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(result.out).toContain('config: clientId="hf 2K client", clientSecret=(hidden)');
  });
});

describe("the Management API client quotes Logto's answers", () => {
  it('replaces control characters and bounds the length as for Hugging Face text', async () => {
    const fake = await start();
    fake.fail('GET /api/connectors', {
      kind: 'answer',
      status: 500,
      body: { code: 'internal\u001b[31m', message: `a\u001b[2K\rb\nc\u0007${'x'.repeat(1000)}` },
    });
    const api = createManagementApi({ endpoint: fake.url, appId: fake.m2m.id, appSecret: fake.m2m.secret });
    const error = (await api.call('GET', '/api/connectors').catch((reason: unknown) => reason)) as {
      code: string;
      detail: string;
    };

    expect(error.code).toBe('internal [31m');
    expect(error.detail).toBe(`a [2K b c ${'x'.repeat(290)}…`);
  });
});
