/**
 * A Management API on 127.0.0.1 that keeps the rules of Logto's routes the migration meets
 * (`packages/core/src/routes/connector/index.ts`, `routes/sign-in-experience/index.ts`,
 * `libraries/sign-in-experience/index.ts`, `libraries/connector.ts`): a token for client
 * credentials (Basic, each part form-encoded, RFC 6749 §2.3.1) and the default tenant's resource;
 * the bearer token on every `/api` call; 422 for a create of an unknown factory or of a second
 * connector of the same target and platform; 404 for an unknown connector id; a delete drops
 * every social target no connector serves any more, and so does a PATCH of the sign-in experience.
 * Faults can be armed per request (`METHOD /path`).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
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
  /** Answers with this JSON body instead, changing nothing. */
  | { kind: 'answer'; status: number; body: unknown }
  /** Makes the change, then answers with this text as it is, not as JSON. */
  | { kind: 'text'; status: number; text: string; headers?: Record<string, string> }
  /** Closes the connection without an answer; `after` makes the change first. */
  | { kind: 'drop'; after: boolean }
  /** Sends the status and the start of a longer body, then closes the connection. */
  | { kind: 'cut'; status: number; text: string }
  /** Never answers. */
  | { kind: 'hang' };

/** The fields of a request body the fake reads, from JSON or form fields. */
type RequestBody = Partial<FakeConnector> & { socialSignInConnectorTargets?: unknown; grant_type?: string; resource?: string };

/** One request the fake received: its raw text, and its body as read. */
type RecordedRequest = { method: string; path: string; headers: IncomingHttpHeaders; text: string; body: RequestBody };

/** Factories both connectors register: the same target and platform. */
const factories = [
  { id: 'huggingface-universal', target: 'huggingface', platform: 'Universal' },
  { id: 'huggingface-oidc-universal', target: 'huggingface', platform: 'Universal' },
  { id: 'github-universal', target: 'github', platform: 'Universal' },
];

const send = (response: ServerResponse, status: number, body?: unknown) => {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/** The error body Logto's `RequestError.toBody` sends. */
const logtoError = (code: string, message: string, data?: unknown) => ({ code, message, data });

const notFound = logtoError('entity.not_found', 'The resource does not exist.');

/** Whether a header holds this app's Basic credentials, each part form-encoded before they were joined. */
const isBasicOf = (header: string | undefined, app: { id: string; secret: string }) => {
  const [id = '', secret = ''] = Buffer.from(header?.slice('Basic '.length) ?? '', 'base64').toString('utf8').split(':');
  try {
    return header?.startsWith('Basic ') && decodeURIComponent(id) === app.id && decodeURIComponent(secret) === app.secret;
  } catch {
    return false;
  }
};

/** A fake Logto, its state and its controls. */
export type FakeLogto = Awaited<ReturnType<typeof startFakeLogto>>;

/** Starts a fake Logto with the given connectors, social buttons and installed factories. */
export const startFakeLogto = async (state: { connectors: FakeConnector[]; socialTargets: string[]; installed?: string[] }) => {
  const accessToken = 'mgmt-access-token-Zr81';
  const installed = new Set(state.installed ?? factories.map(({ id }) => id));
  const faults = new Map<string, Fault[]>();
  const fake = {
    /** The machine-to-machine app; form encoding changes its secret. */
    m2m: { id: 'm2m-app', secret: 'm2m:secret/Qx7%WvA9pL2' },
    connectors: state.connectors,
    socialTargets: state.socialTargets,
    requests: [] as RecordedRequest[],
    /** Arms faults for successive requests matching `METHOD /path`. */
    fail: (request: string, ...more: Fault[]) => faults.set(request, [...(faults.get(request) ?? []), ...more]),
  };

  const targetOf = (factoryId: string | undefined) => factories.find(({ id }) => id === factoryId)?.target;
  const describe = (connector: FakeConnector) => ({ ...connector, target: targetOf(connector.connectorId), platform: 'Universal', type: 'Social', metadata: {} });
  const keepServedTargets = (targets: string[]) => {
    const served = new Set(fake.connectors.map(({ connectorId }) => targetOf(connectorId)));
    fake.socialTargets = targets.filter((target) => served.has(target));
  };

  /** Applies one request; returns the answer. */
  const handle = (method: string, path: string, body: RequestBody, authorization?: string): [number, unknown?] => {
    if (method === 'POST' && path === '/oidc/token') {
      if (!isBasicOf(authorization, fake.m2m)) {
        return [401, { error: 'invalid_client', error_description: 'client authentication failed' }];
      }
      if (body.grant_type !== 'client_credentials' || body.resource !== 'https://default.logto.app/api') {
        return [400, { error: 'invalid_target', error_description: 'resource indicator is missing, or unknown' }];
      }
      return [200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope: 'all' }];
    }
    if (path.startsWith('/api/') && authorization !== `Bearer ${accessToken}`) {
      return [401, logtoError('auth.unauthorized', 'Unauthorized. Please check credentials and its scope.')];
    }
    const byId = /^\/api\/connectors\/([^/]+)$/.exec(path);
    const index = fake.connectors.findIndex(({ id }) => id === decodeURIComponent(byId?.[1] ?? ''));
    if (method === 'GET' && path === '/api/connectors') {
      return [200, fake.connectors.map(describe)];
    }
    if (method === 'GET' && path === '/api/connector-factories') {
      return [200, factories.filter(({ id }) => installed.has(id))];
    }
    if (method === 'GET' && byId) {
      return index === -1 ? [404, notFound] : [200, describe(fake.connectors[index]!)];
    }
    if (method === 'DELETE' && byId) {
      if (index === -1) {
        return [404, notFound];
      }
      fake.connectors.splice(index, 1);
      keepServedTargets(fake.socialTargets);
      return [204];
    }
    if (method === 'POST' && path === '/api/connectors') {
      const { id = '', connectorId = '', config = {}, syncProfile = false, enableTokenStorage = false } = body;
      const duplicate = fake.connectors.find((connector) => targetOf(connector.connectorId) === targetOf(connectorId));
      if (!installed.has(connectorId)) {
        return [422, logtoError('connector.not_found_with_connector_id', 'Can not find connector with given standard connector id.')];
      }
      if (duplicate) {
        const message = 'You can not have multiple social connectors that have same target and platform.';
        return [422, logtoError('connector.multiple_target_with_same_platform', message, { connectorId: duplicate.connectorId })];
      }
      const created = { id, connectorId, config, syncProfile, enableTokenStorage };
      fake.connectors.push(created);
      return [200, describe(created)];
    }
    if (path === '/api/sign-in-exp' && (method === 'GET' || method === 'PATCH')) {
      if (method === 'PATCH' && Array.isArray(body.socialSignInConnectorTargets)) {
        keepServedTargets(body.socialSignInConnectorTargets as string[]);
      }
      return [200, { id: 'default', socialSignInConnectorTargets: fake.socialTargets }];
    }
    return [404, { message: 'Not Found' }];
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const { pathname: path } = new URL(request.url ?? '/', 'http://fake');
      const method = request.method ?? 'GET';
      const isJson = (request.headers['content-type'] ?? '').includes('json');
      const body = (isJson && text ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text))) as RequestBody;
      fake.requests.push({ method, path, headers: request.headers, text, body });
      const apply = () => handle(method, path, body, request.headers.authorization);

      const fault = faults.get(`${method} ${path}`)?.shift();
      if (fault?.kind === 'answer') {
        send(response, fault.status, fault.body);
      } else if (fault?.kind === 'text') {
        apply();
        response.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers }).end(fault.text);
      } else if (fault?.kind === 'drop') {
        if (fault.after) {
          apply();
        }
        response.socket?.destroy();
      } else if (fault?.kind === 'cut') {
        response.writeHead(fault.status, { 'content-length': String(fault.text.length + 1000) });
        response.write(fault.text, () => response.destroy());
      } else if (fault?.kind !== 'hang') {
        send(response, ...apply());
      }
    });
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
