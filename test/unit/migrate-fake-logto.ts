/**
 * A Management API on 127.0.0.1 that keeps the rules of Logto's routes the migration meets
 * (`packages/core/src/routes/connector/index.ts`, `routes/sign-in-experience/index.ts`,
 * `libraries/sign-in-experience/index.ts`, `libraries/connector.ts`):
 * - `POST /api/connectors` refuses an unknown factory (422 `connector.not_found_with_connector_id`),
 *   a second social connector with the same target and platform (422
 *   `connector.multiple_target_with_same_platform`) and a taken id;
 * - `DELETE /api/connectors/:id` drops every social target no connector serves any more from
 *   `socialSignInConnectorTargets`; `PATCH /api/sign-in-exp` keeps only served targets;
 * - `GET /api/connectors/:id` answers 404 `entity.not_found` for an unknown id;
 * - every `/api` call needs a bearer token from `POST /oidc/token` (client credentials, Basic).
 *
 * Faults can be armed per request (`METHOD /path`): an error answer, or a dropped connection
 * before or after the change is made.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A connector row as the fake keeps it. */
export type FakeConnector = {
  id: string;
  connectorId: string;
  config: Record<string, unknown>;
  syncProfile: boolean;
  /** Absent in the listings of a Logto older than token storage. */
  enableTokenStorage?: boolean;
};

/** A fault for the next request matching `METHOD /path`. */
export type Fault =
  | { kind: 'answer'; status: number; body: unknown }
  /** Makes the change, then answers with this text as it is, not as JSON. */
  | { kind: 'text'; status: number; text: string }
  /** Closes the connection without an answer; `after` makes the change first. */
  | { kind: 'drop'; after: boolean };

/** One request the fake received. */
/** The fields of a request body the fake reads; a JSON object or form fields, taken as Logto takes them. */
type RequestBody = {
  id?: string;
  connectorId?: string;
  config?: Record<string, unknown>;
  syncProfile?: boolean;
  enableTokenStorage?: boolean;
  socialSignInConnectorTargets?: unknown;
  grant_type?: string;
  resource?: string;
};

export type RecordedRequest = { method: string; path: string; body: unknown; authorization?: string };

/** Factories both connectors register: the same target and platform. */
export const factories = [
  { id: 'huggingface-universal', target: 'huggingface', platform: 'Universal' },
  { id: 'huggingface-oidc-universal', target: 'huggingface', platform: 'Universal' },
  { id: 'github-universal', target: 'github', platform: 'Universal' },
];

/** The fake instance, its state and its controls. */
export type FakeLogto = {
  url: string;
  m2m: { id: string; secret: string };
  connectors: FakeConnector[];
  socialTargets: string[];
  /** Factory ids Logto lists (and accepts in `POST /api/connectors`). */
  installed: Set<string>;
  requests: RecordedRequest[];
  /** Arms faults for successive requests matching `METHOD /path`. */
  fail: (request: string, ...faults: Fault[]) => void;
  close: () => Promise<void>;
};

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

const send = (response: ServerResponse, status: number, body?: unknown) => {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/** The error body Logto's `RequestError.toBody` sends. */
const logtoError = (code: string, message: string, data?: unknown) => ({ code, message, data });

/** Starts a fake Logto with the given connectors and social buttons. */
export const startFakeLogto = async (state: {
  connectors: FakeConnector[];
  socialTargets: string[];
  installed?: string[];
}): Promise<FakeLogto> => {
  const m2m = { id: 'm2m-app', secret: 'm2m-secret-Qx7WvA9pL2' };
  const accessToken = 'mgmt-access-token-Zr81';
  const faults = new Map<string, Fault[]>();
  const fake: Omit<FakeLogto, 'url' | 'close'> = {
    m2m,
    connectors: state.connectors,
    socialTargets: state.socialTargets,
    installed: new Set(state.installed ?? factories.map(({ id }) => id)),
    requests: [],
    fail: (request, ...more) => faults.set(request, [...(faults.get(request) ?? []), ...more]),
  };

  const targetOf = (factoryId: string | undefined) => factories.find(({ id }) => id === factoryId)?.target;
  const describe = (connector: FakeConnector) => ({
    ...connector,
    target: targetOf(connector.connectorId),
    platform: 'Universal',
    type: 'Social',
    metadata: {},
  });
  const dropUnservedTargets = () => {
    const served = new Set(fake.connectors.map(({ connectorId }) => targetOf(connectorId)));
    fake.socialTargets = fake.socialTargets.filter((target) => served.has(target));
  };

  /** Applies one request; returns the answer. */
  const handle = (method: string, path: string, body: RequestBody): [number, unknown?] => {
    const byId = /^\/api\/connectors\/([^/]+)$/.exec(path);
    if (method === 'GET' && path === '/api/connectors') {
      return [200, fake.connectors.map(describe)];
    }
    if (method === 'GET' && path === '/api/connector-factories') {
      return [200, factories.filter(({ id }) => fake.installed.has(id))];
    }
    if (method === 'GET' && byId) {
      const connector = fake.connectors.find(({ id }) => id === decodeURIComponent(byId[1]!));
      return connector ? [200, describe(connector)] : [404, logtoError('entity.not_found', 'The resource does not exist.')];
    }
    if (method === 'DELETE' && byId) {
      const index = fake.connectors.findIndex(({ id }) => id === decodeURIComponent(byId[1]!));
      if (index === -1) {
        return [404, logtoError('entity.not_found', 'The resource does not exist.')];
      }
      fake.connectors.splice(index, 1);
      dropUnservedTargets();
      return [204];
    }
    if (method === 'POST' && path === '/api/connectors') {
      const { connectorId } = body;
      const target = targetOf(connectorId);
      if (connectorId === undefined || !fake.installed.has(connectorId) || !target) {
        return [422, logtoError('connector.not_found_with_connector_id', 'Can not find connector with given standard connector id.')];
      }
      const duplicate = fake.connectors.find((connector) => targetOf(connector.connectorId) === target);
      if (duplicate) {
        return [
          422,
          logtoError('connector.multiple_target_with_same_platform', 'You can not have multiple social connectors that have same target and platform.', {
            connectorId: duplicate.connectorId,
          }),
        ];
      }
      const id: string = body.id ?? `generated${fake.connectors.length}`;
      if (fake.connectors.some((connector) => connector.id === id)) {
        return [500, { message: 'Internal server error.' }];
      }
      const created: FakeConnector = {
        id,
        connectorId,
        config: body.config ?? {},
        syncProfile: body.syncProfile ?? false,
        enableTokenStorage: body.enableTokenStorage ?? false,
      };
      fake.connectors.push(created);
      return [200, describe(created)];
    }
    if (method === 'GET' && path === '/api/sign-in-exp') {
      return [200, { id: 'default', socialSignInConnectorTargets: fake.socialTargets }];
    }
    if (method === 'PATCH' && path === '/api/sign-in-exp') {
      if (Array.isArray(body.socialSignInConnectorTargets)) {
        const served = new Set(fake.connectors.map(({ connectorId }) => targetOf(connectorId)));
        fake.socialTargets = (body.socialSignInConnectorTargets as string[]).filter((target) => served.has(target));
      }
      return [200, { id: 'default', socialSignInConnectorTargets: fake.socialTargets }];
    }
    return [404, { message: 'Not Found' }];
  };

  const server = createServer((request, response) => {
    void (async () => {
      const text = await readBody(request);
      const path = new URL(request.url ?? '/', 'http://fake').pathname;
      const method = request.method ?? 'GET';
      const isJson = (request.headers['content-type'] ?? '').includes('json');
      const body = (isJson && text ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text))) as RequestBody;
      fake.requests.push({ method, path, body, authorization: request.headers.authorization });

      if (method === 'POST' && path === '/oidc/token') {
        const expected = `Basic ${Buffer.from(`${m2m.id}:${m2m.secret}`).toString('base64')}`;
        if (request.headers.authorization !== expected) {
          send(response, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
          return;
        }
        if (body.grant_type !== 'client_credentials' || body.resource !== 'https://default.logto.app/api') {
          send(response, 400, { error: 'invalid_target', error_description: 'resource indicator is missing, or unknown' });
          return;
        }
        send(response, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope: 'all' });
        return;
      }
      if (request.headers.authorization !== `Bearer ${accessToken}`) {
        send(response, 401, logtoError('auth.unauthorized', 'Unauthorized. Please check credentials and its scope.'));
        return;
      }
      const fault = faults.get(`${method} ${path}`)?.shift();
      if (fault?.kind === 'text') {
        handle(method, path, body);
        response.writeHead(fault.status, { 'content-type': 'text/plain' }).end(fault.text);
        return;
      }
      if (fault?.kind === 'answer') {
        send(response, fault.status, fault.body);
        return;
      }
      if (fault?.kind === 'drop') {
        if (fault.after) {
          handle(method, path, body);
        }
        response.socket?.destroy();
        return;
      }
      const [status, answer] = handle(method, path, body);
      send(response, status, answer);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
};
