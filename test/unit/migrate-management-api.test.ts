/**
 * The Management API client against a scripted server on 127.0.0.1: the client-credentials token
 * request Logto expects (`POST ${endpoint}/oidc/token`, Basic auth with the form-encoded id and
 * secret, `grant_type=client_credentials`, the resource, `scope=all`; RFC 6749 §2.3.1 and §4.4,
 * LOGTO-FACTS), one token for every call, JSON calls with the bearer token, and errors that say
 * what Logto answered (or that it did not answer) without ever quoting the secret.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { ManagementApiError, createManagementApi } from '../../src/migrate/management-api.js';

type Received = { method: string; path: string; headers: IncomingHttpHeaders; body: string };

/** What the server does with one request: answer it, or never answer, or close the connection. */
type Script = (request: Received, response: ServerResponse) => void;

const appId = 'm2m-app';
const appSecret = 'm2m:secret/Qx7%WvA9';
const accessToken = 'mgmt-access-token-Zr81';

const json = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** Answers the token request with a token, and every other request as `api` says. */
const withToken =
  (api: Script): Script =>
  (request, response) => {
    if (request.path === '/oidc/token') {
      json(response, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope: 'all' });
      return;
    }
    api(request, response);
  };

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const serve = async (script: Script) => {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      script(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
};

const client = (endpoint: string, options: { tokenEndpoint?: string; resource?: string; timeoutMs?: number } = {}) =>
  createManagementApi({ endpoint, appId, appSecret, ...options });

/** The rejection of a call, which must be a ManagementApiError. */
const failure = async (promise: Promise<unknown>) => {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason
  );
  expect(error).toBeInstanceOf(ManagementApiError);
  return error as ManagementApiError;
};

/** Every encoding of the secret an answer could echo: plain, URL-encoded, base64 Basic credentials. */
const secretForms = [
  appSecret,
  encodeURIComponent(appSecret),
  Buffer.from(`${appId}:${encodeURIComponent(appSecret)}`).toString('base64'),
];

describe('the machine-to-machine token', () => {
  it('is requested as Logto expects: Basic credentials, client_credentials, the default resource, scope all', async () => {
    const server = await serve(withToken((_, response) => json(response, 200, [])));
    await client(server.url).call('GET', '/api/connectors');

    const [token] = server.received;
    expect(token?.method).toBe('POST');
    expect(token?.path).toBe('/oidc/token');
    // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined with ":".
    expect(token?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${appId}:${encodeURIComponent(appSecret)}`).toString('base64')}`
    );
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({
      grant_type: 'client_credentials',
      resource: 'https://default.logto.app/api',
      scope: 'all',
    });
  });

  it('goes to the token endpoint and resource given, and below an endpoint with trailing slashes', async () => {
    const server = await serve((request, response) => {
      if (request.path === '/admin/oidc/token') {
        json(response, 200, { access_token: accessToken });
        return;
      }
      json(response, 200, { ok: true });
    });
    const api = client(`${server.url}//`, {
      tokenEndpoint: `${server.url}/admin/oidc/token`,
      resource: 'https://admin.logto.app/api',
    });

    expect(await api.call('GET', '/api/status')).toEqual({ ok: true });
    expect(server.received.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'POST /admin/oidc/token',
      'GET /api/status',
    ]);
    expect(new URLSearchParams(server.received[0]?.body).get('resource')).toBe('https://admin.logto.app/api');
  });

  it('is fetched once for several calls', async () => {
    const server = await serve(withToken((_, response) => json(response, 200, {})));
    const api = client(server.url);
    await api.call('GET', '/api/connectors');
    await api.call('GET', '/api/sign-in-exp');

    expect(server.received.filter(({ path }) => path === '/oidc/token')).toHaveLength(1);
  });

  it('is asked for again on the next call after a refusal, with the refusal reported', async () => {
    let refuse = true;
    const server = await serve((request, response) => {
      if (request.path === '/oidc/token' && refuse) {
        refuse = false;
        json(response, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
        return;
      }
      withToken((_, answer) => json(answer, 200, { ok: true }))(request, response);
    });
    const api = client(server.url);

    const error = await failure(api.call('GET', '/api/connectors'));
    expect(error.message).toBe('POST /oidc/token (machine-to-machine token): Logto answered 401 invalid_client: client authentication failed');
    expect([error.status, error.code, error.detail]).toEqual([401, 'invalid_client', 'client authentication failed']);
    expect(await api.call('GET', '/api/connectors')).toEqual({ ok: true });
    expect(server.received.filter(({ path }) => path === '/oidc/token')).toHaveLength(2);
  });

  it.each([
    ['a JSON answer without access_token', JSON.stringify({ token_type: 'Bearer' })],
    ['an answer that is not JSON', '<html>sign in</html>'],
  ])('is refused when the token endpoint sends %s', async (_, body) => {
    const server = await serve((_request, response) => response.writeHead(200).end(body));
    const error = await failure(client(server.url).call('GET', '/api/connectors'));

    expect(error.message).toContain('no access_token');
    expect(error.status).toBe(200);
    expect(server.received).toHaveLength(1);
  });

  it('is named by the token endpoint actually asked when its answer holds no token', async () => {
    const server = await serve((_request, response) => json(response, 200, { token_type: 'Bearer' }));
    const error = await failure(client(server.url, { tokenEndpoint: `${server.url}/admin/oidc/token` }).call('GET', '/api/connectors'));

    expect(error.message).toBe('POST /admin/oidc/token (machine-to-machine token): Logto answered 200: the answer holds no access_token');
  });

  it('is never quoted when it cannot be sent', async () => {
    const token = 'mgmt-token\nZr81-secret-part';
    const server = await serve((_request, response) => json(response, 200, { access_token: token }));
    const error = await failure(client(server.url).call('GET', '/api/connectors'));

    expect(error.status).toBe(0);
    expect(error.message).toMatch(/^GET \/api\/connectors: no answer from Logto \(.+\)$/s);
    expect(error.message).not.toContain('Zr81-secret-part');
  });

  it('is not followed through a redirect (Basic credentials stay with the token endpoint)', async () => {
    const server = await serve((request, response) => {
      if (request.path === '/oidc/token') {
        response.writeHead(302, { location: '/elsewhere/token' }).end();
        return;
      }
      json(response, 200, { access_token: accessToken });
    });
    const error = await failure(client(server.url).call('GET', '/api/connectors'));

    expect(error.status).toBe(302);
    expect(server.received.map(({ path }) => path)).toEqual(['/oidc/token']);
  });
});

describe('a Management API call', () => {
  it('sends the bearer token and asks for JSON; a GET has no body', async () => {
    const server = await serve(withToken((_, response) => json(response, 200, [{ id: 'a' }])));

    expect(await client(server.url).call('GET', '/api/connectors')).toEqual([{ id: 'a' }]);
    const call = server.received[1];
    expect(call?.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(call?.headers.accept).toBe('application/json');
    expect(call?.headers['content-type']).toBeUndefined();
    expect(call?.body).toBe('');
  });

  it('sends a body as JSON', async () => {
    const server = await serve(withToken((_, response) => json(response, 200, { id: 'created' })));
    const body = { id: 'k3x9', connectorId: 'huggingface-oidc-universal', config: { clientId: 'x' } };

    expect(await client(server.url).call('POST', '/api/connectors', body)).toEqual({ id: 'created' });
    const call = server.received[1];
    expect(call?.method).toBe('POST');
    expect(call?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(call?.body ?? '')).toEqual(body);
  });

  it.each([
    ['204 No Content', 204, undefined],
    ['200 with an empty body', 200, ''],
  ])('returns undefined for %s', async (_, status, body) => {
    const server = await serve(withToken((_request, response) => response.writeHead(status).end(body)));

    await expect(client(server.url).call('DELETE', '/api/connectors/k3x9')).resolves.toBeUndefined();
  });

  it('takes any 2xx status as success', async () => {
    const server = await serve(withToken((_, response) => json(response, 299, { ok: true })));

    await expect(client(server.url).call('GET', '/api/connectors')).resolves.toEqual({ ok: true });
  });
});

describe('a failed call', () => {
  it("carries Logto's status, error code and message", async () => {
    const server = await serve(
      withToken((_, response) => json(response, 400, { code: 'connector.invalid_config', message: "The connector's config is invalid." }))
    );
    const error = await failure(client(server.url).call('POST', '/api/connectors', {}));

    expect(error.name).toBe('ManagementApiError');
    expect(error.message).toBe("POST /api/connectors: Logto answered 400 connector.invalid_config: The connector's config is invalid.");
    expect([error.request, error.status, error.code, error.detail]).toEqual([
      'POST /api/connectors',
      400,
      'connector.invalid_config',
      "The connector's config is invalid.",
    ]);
  });

  it.each([
    ['a JSON body without code or message', 500, JSON.stringify({ data: null }), 'GET /api/connectors: Logto answered 500'],
    ['an empty body', 503, '', 'GET /api/connectors: Logto answered 503'],
    ['a text body', 502, '  Bad gateway\n', 'GET /api/connectors: Logto answered 502: Bad gateway'],
    ['a message without code', 500, JSON.stringify({ message: 'Internal server error.' }), 'GET /api/connectors: Logto answered 500: Internal server error.'],
    ['a redirect', 302, '', 'GET /api/connectors: Logto answered 302'],
    ['an error object instead of a code', 500, JSON.stringify({ error: { status: 500 } }), 'GET /api/connectors: Logto answered 500'],
  ])('on %s says what Logto answered', async (_, status, body, message) => {
    const server = await serve(withToken((_request, response) => response.writeHead(status).end(body)));
    const error = await failure(client(server.url).call('GET', '/api/connectors'));

    expect(error.message).toBe(message);
    expect(error.code).toBeUndefined();
  });

  it('still reports the status when the error body is cut off', async () => {
    const server = await serve(
      withToken((_, response) => {
        response.writeHead(500, { 'content-length': '1000' });
        response.write('{"code":"inter', () => response.destroy());
      })
    );
    const error = await failure(client(server.url).call('GET', '/api/connectors'));

    expect(error.message).toBe('GET /api/connectors: Logto answered 500');
  });

  it('quotes only the start of a very long message, 300 characters as for Hugging Face text, marking the cut', async () => {
    const message = `Error ${'x'.repeat(20_000)}`;
    const server = await serve(withToken((_, response) => json(response, 500, { code: 'internal', message })));
    const error = await failure(client(server.url).call('GET', '/api/connectors'));

    expect(error.detail).toBe(`Error ${'x'.repeat(294)}…`);
  });

  it('never quotes the secret, in any form, from the code, the message or the description', async () => {
    const echo = secretForms.join(' ');
    const server = await serve((request, response) => {
      if (request.path === '/oidc/token') {
        json(response, 400, { error: `invalid_${echo}`, error_description: `bad ${echo}` });
        return;
      }
      json(response, 400, { code: `code_${echo}`, message: `message ${echo}` });
    });
    const tokenError = await failure(client(server.url).call('GET', '/api/connectors'));
    const text = [tokenError.message, tokenError.code, tokenError.detail].join('\n');

    expect(text).toContain('bad');
    expect(secretForms.filter((form) => text.includes(form))).toEqual([]);
  });

  it('says when Logto did not answer, and why', async () => {
    const server = await serve(() => undefined);
    const { url } = server;
    await close?.();
    close = undefined;
    const error = await failure(client(url).call('GET', '/api/connectors'));

    expect(error.status).toBe(0);
    expect(error.message).toMatch(/^POST \/oidc\/token \(machine-to-machine token\): no answer from Logto \(ECONNREFUSED: .*ECONNREFUSED/);
  });

  it('says when Logto took too long to answer', async () => {
    const server = await serve(withToken(() => undefined));
    const error = await failure(client(server.url, { timeoutMs: 200 }).call('GET', '/api/connectors'));

    expect(error.status).toBe(0);
    expect(error.message).toBe('GET /api/connectors: no answer from Logto (timed out)');
  }, 5000);
});
