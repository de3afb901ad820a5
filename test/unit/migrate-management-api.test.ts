/**
 * The Management API client against the fake Logto: the client-credentials token Logto expects
 * (RFC 6749 §2.3.1 and §4.4), JSON calls with it, and errors that say what Logto answered, or
 * that it did not, quoting Logto as the connector quotes Hugging Face and never a secret.
 */
import { describe, expect, it } from 'vitest';

import { ManagementApiError, type ManagementApiOptions, createManagementApi } from '../../src/migrate/management-api.js';

import type { FakeLogto, Fault } from './migrate-fake-logto.js';
import { useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

/** The fake's app id and secret, each form-encoded, joined with ":" (RFC 6749 §2.3.1). */
const basicCredentials = 'm2m-app:m2m%3Asecret%2FQx7%25WvA9pL2';
const secretForms = ['m2m:secret/Qx7%WvA9pL2', 'm2m%3Asecret%2FQx7%25WvA9pL2', Buffer.from(basicCredentials).toString('base64')];

/** A client of the fake with its app's credentials, below its endpoint unless told otherwise. */
const client = (fake: FakeLogto, options: Partial<ManagementApiOptions> = {}) =>
  createManagementApi({ endpoint: fake.url, appId: fake.m2m.id, appSecret: fake.m2m.secret, ...options });

/** The rejection of a call, which must be a ManagementApiError. */
const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(ManagementApiError);
  return error as ManagementApiError;
};

describe('the machine-to-machine token', () => {
  it('is asked once, as Logto expects: form-encoded Basic credentials, client_credentials, the default resource, scope all', async () => {
    const fake = await start();
    const api = client(fake, { endpoint: `${fake.url}//` });
    await api.call('GET', '/api/connectors');
    await api.call('GET', '/api/sign-in-exp');

    const [token] = fake.requests;
    expect(fake.requests.map(({ method, path }) => `${method} ${path}`)).toEqual(['POST /oidc/token', 'GET /api/connectors', 'GET /api/sign-in-exp']);
    expect(token?.headers.authorization).toBe(`Basic ${Buffer.from(basicCredentials).toString('base64')}`);
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token?.body).toEqual({ grant_type: 'client_credentials', resource: 'https://default.logto.app/api', scope: 'all' });
  });

  it('goes to the token endpoint and resource given, and names the request by that endpoint', async () => {
    const fake = await start();
    const error = await failure(client(fake, { tokenEndpoint: `${fake.url}/admin/token`, resource: 'https://admin.logto.app/api' }).call('GET', '/api/connectors'));

    expect(fake.requests.map(({ path, body }) => [path, body.resource])).toEqual([['/admin/token', 'https://admin.logto.app/api']]);
    expect(error.message).toBe('POST /admin/token (machine-to-machine token): Logto answered 404: Not Found');
  });

  it('is asked for again on the next call after a refusal, with the refusal reported', async () => {
    const fake = await start();
    fake.fail('POST /oidc/token', { kind: 'answer', status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } });
    const api = client(fake);

    const error = await failure(api.call('GET', '/api/connectors'));
    expect(error.name).toBe('ManagementApiError');
    expect(error.message).toBe('POST /oidc/token (machine-to-machine token): Logto answered 401 invalid_client: client authentication failed');
    expect([error.request, error.status, error.code, error.detail]).toEqual(['POST /oidc/token (machine-to-machine token)', 401, 'invalid_client', 'client authentication failed']);
    expect(await api.call('GET', '/api/sign-in-exp')).toEqual({ id: 'default', socialSignInConnectorTargets: ['github', 'huggingface'] });
    expect(fake.requests.filter(({ path }) => path === '/oidc/token')).toHaveLength(2);
  });

  it.each([
    ['a JSON answer without access_token', { kind: 'answer', status: 200, body: { token_type: 'Bearer' } }],
    ['an answer that is not JSON', { kind: 'text', status: 200, text: '<html>sign in</html>' }],
  ] as const)('is refused when the token endpoint sends %s', async (_, fault) => {
    const fake = await start();
    fake.fail('POST /oidc/token', fault);
    const error = await failure(client(fake).call('GET', '/api/connectors'));

    expect(error.message).toBe('POST /oidc/token (machine-to-machine token): Logto answered 200: the answer holds no access_token');
    expect(fake.requests).toHaveLength(1);
  });

  it('is never quoted when it cannot be sent', async () => {
    const fake = await start();
    fake.fail('POST /oidc/token', { kind: 'answer', status: 200, body: { access_token: 'mgmt-token\nZr81-secret-part' } });
    const error = await failure(client(fake).call('GET', '/api/connectors'));

    expect(error.status).toBe(0);
    expect(error.message).toMatch(/^GET \/api\/connectors: no answer from Logto \(.+\)$/s);
    expect(error.message).not.toContain('Zr81-secret-part');
  });

  it('is not followed through a redirect (Basic credentials stay with the token endpoint)', async () => {
    const fake = await start();
    fake.fail('POST /oidc/token', { kind: 'text', status: 302, text: '', headers: { location: '/api/connectors' } });
    const error = await failure(client(fake).call('GET', '/api/connectors'));

    expect(error.message).toBe('POST /oidc/token (machine-to-machine token): Logto answered 302');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('a Management API call', () => {
  it('sends the bearer token and asks for JSON; a body goes as JSON, a GET has none', async () => {
    const fake = await start();
    const api = client(fake);
    const targets = { socialSignInConnectorTargets: ['github'] };

    expect(await api.call('PATCH', '/api/sign-in-exp', targets)).toEqual({ id: 'default', ...targets });
    expect(await api.call('GET', '/api/sign-in-exp')).toEqual({ id: 'default', ...targets });
    const [patch, get] = fake.requests.slice(1).map(({ headers, text }) => ({ ...headers, text }));
    expect(patch).toMatchObject({ authorization: 'Bearer mgmt-access-token-Zr81', accept: 'application/json', 'content-type': 'application/json' });
    expect(JSON.parse(patch?.text ?? '')).toEqual(targets);
    expect(get).toMatchObject({ authorization: 'Bearer mgmt-access-token-Zr81', accept: 'application/json', text: '' });
    expect(get?.['content-type']).toBeUndefined();
  });

  it.each([
    ['a DELETE answered 200 with any text, taken as done', 'DELETE', '/api/connectors/k3x9hfconn', { kind: 'text', status: 200, text: 'OK' }, undefined],
    ['204 No Content', 'GET', '/api/sign-in-exp', { kind: 'text', status: 204, text: '' }, undefined],
    ['200 with an empty body', 'GET', '/api/sign-in-exp', { kind: 'text', status: 200, text: '' }, undefined],
    ['299, a success too', 'GET', '/api/sign-in-exp', { kind: 'answer', status: 299, body: { ok: true } }, { ok: true }],
  ] as const)('returns the answer of %s', async (_, method, path, fault, expected) => {
    const fake = await start();
    fake.fail(`${method} ${path}`, fault);

    expect(await client(fake).call(method, path)).toEqual(expected);
  });
});

describe('a failed call', () => {
  const text = (status: number, body: string): Fault => ({ kind: 'text', status, text: body });

  it.each([
    ['a JSON body without code or message', text(500, JSON.stringify({ data: null })), 'GET /api/connectors: Logto answered 500'],
    ['an empty body', text(503, ''), 'GET /api/connectors: Logto answered 503'],
    ['a text body', text(502, '  Bad gateway\n'), 'GET /api/connectors: Logto answered 502: Bad gateway'],
    ['a message without code', text(500, JSON.stringify({ message: 'Internal server error.' })), 'GET /api/connectors: Logto answered 500: Internal server error.'],
    ['a redirect', text(302, ''), 'GET /api/connectors: Logto answered 302'],
    ['an error object instead of a code', text(500, JSON.stringify({ error: { status: 500 } })), 'GET /api/connectors: Logto answered 500'],
    ['a body cut off', { kind: 'cut', status: 500, text: '{"code":"inter' } as const, 'GET /api/connectors: Logto answered 500'],
    ['a 2xx answer that is not JSON, named, not quoted', text(200, 'x\n\nMigrated OK\n'), 'GET /api/connectors: Logto answered 200: the answer is not JSON'],
  ])('on %s says what Logto answered', async (_, fault, message) => {
    const fake = await start();
    fake.fail('GET /api/connectors', fault);
    const error = await failure(client(fake).call('GET', '/api/connectors'));

    expect(error.message).toBe(message);
    expect(error.code).toBeUndefined();
  });

  it('replaces control characters and keeps 300 characters, marking the cut, as for Hugging Face text', async () => {
    const fake = await start();
    fake.fail('GET /api/connectors', {
      kind: 'answer',
      status: 500,
      body: { code: 'internal\u001b[31m', message: `a\u001b[2K\rb\nc\u0007${'x'.repeat(20_000)}` },
    });
    const error = await failure(client(fake).call('GET', '/api/connectors'));

    expect(error.code).toBe('internal [31m');
    expect(error.detail).toBe(`a [2K b c ${'x'.repeat(290)}…`);
  });

  it('never quotes the secret, in any form, from the code, the description or a message', async () => {
    const fake = await start();
    const echo = secretForms.join(' ');
    fake.fail('POST /oidc/token', { kind: 'answer', status: 400, body: { error: `invalid_${echo}`, error_description: `bad ${echo}` } });
    fake.fail('GET /api/connectors', { kind: 'answer', status: 400, body: { code: 'connector.invalid_config', message: `message ${echo}` } });
    const api = client(fake);
    const errors = [await failure(api.call('GET', '/api/connectors')), await failure(api.call('GET', '/api/connectors'))];
    const text = errors.flatMap(({ message, code, detail }) => [message, code, detail]).join('\n');

    expect(text).toContain('bad [redacted]');
    expect(text).toContain('message [redacted]');
    expect(text).not.toMatch(/Qx7|bTJtLWFwcDpt/);
  });

  it('says when Logto did not answer, and why', async () => {
    const fake = await start();
    await fake.close();
    const error = await failure(client(fake).call('GET', '/api/connectors'));

    expect(error.status).toBe(0);
    expect(error.message).toMatch(/^POST \/oidc\/token \(machine-to-machine token\): no answer from Logto \(ECONNREFUSED: .*ECONNREFUSED/);
  });

  it('says when Logto took too long to answer', async () => {
    const fake = await start();
    fake.fail('POST /oidc/token', { kind: 'hang' });
    const error = await failure(client(fake, { timeoutMs: 200 }).call('GET', '/api/connectors'));

    expect(error.message).toBe('POST /oidc/token (machine-to-machine token): no answer from Logto (timed out)');
  }, 5000);
});
