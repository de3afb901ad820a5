/**
 * Shared pieces of the hostile-input suite: a loopback HTTP server whose answers each test
 * scripts, the public connector wired to a swappable config, and the checks every outcome must
 * pass (a valid `SocialUserInfo` or a coded `ConnectorError` that holds no secret).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

import {
  ConnectorError,
  ConnectorErrorCodes,
  type SocialConnector,
  socialUserInfoGuard,
} from '@logto/connector-kit';

import createConnector from '../../src/index.js';
import { createLogtoSessionStore, type LogtoSessionStore } from '../../stand-in/logto/index.js';

/** The redirect URI Logto would pass: `${endpoint}/callback/${connectorId}`. */
export const redirectUri = 'https://logto.hostile.test/callback/hf-hostile';

/** A request as the loopback server received it. */
export type RecordedRequest = {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
};

/** Answers one request; it may also leave the request hanging or misuse the socket. */
export type RequestHandler = (request: RecordedRequest, response: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 with a replaceable handler. */
export type LoopbackServer = {
  /** `http://127.0.0.1:<port>`, usable as the connector's `hubUrl`. */
  url: string;
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  /** Replaces the handler for the requests that follow. */
  handle: (handler: RequestHandler) => void;
  /** Destroys every open socket and stops listening. */
  close: () => Promise<void>;
};

/**
 * Starts a loopback server on a free port. Each request body is read in full before the handler
 * runs; a server without a handler never answers.
 */
export const startLoopbackServer = async (): Promise<LoopbackServer> => {
  let handler: RequestHandler | undefined;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request: RecordedRequest = {
        method: incoming.method ?? '',
        path: incoming.url ?? '',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      handler?.(request, response);
    });
  });
  // The client may drop a connection at any moment; that is what these tests provoke.
  server.on('clientError', (_error, socket) => socket.destroy());
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      handler = next;
    },
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** A scripted HTTP answer. */
export type ScriptedAnswer = {
  /** The final status; 101 is sent as a protocol switch, the only way it can be final. */
  status: number;
  /** Headers of the final answer; `content-length` is added unless `chunked`. */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with chunked transfer encoding instead of a `content-length`. */
  chunked?: boolean;
  /** 1xx statuses (not 101) sent as interim answers before the final one. */
  informational?: number[];
};

/** Statuses for which Node's server sends no body, whatever the handler writes. */
export const bodilessStatuses: ReadonlySet<number> = new Set([204, 304]);

/**
 * Writes a scripted answer. Interim 1xx answers and a 101 go straight to the socket, since Node's
 * server API has no call for an arbitrary interim status.
 */
export const sendAnswer = (response: ServerResponse, answer: ScriptedAnswer): void => {
  const { socket } = response;
  for (const status of answer.informational ?? []) {
    socket?.write(`HTTP/1.1 ${status} Informational\r\nx-interim: ${status}\r\n\r\n`);
  }
  if (answer.status === 101) {
    socket?.write(
      'HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: hostile\r\n\r\n'
    );
    return;
  }
  const body = Buffer.from(bodilessStatuses.has(answer.status) ? '' : (answer.body ?? ''));
  const headers: Record<string, string> = { ...answer.headers };
  if (!answer.chunked && !bodilessStatuses.has(answer.status)) {
    headers['content-length'] = String(body.length);
  }
  response.writeHead(answer.status, headers);
  if (answer.chunked && body.length > 0) {
    // A single end(body) would get a content-length from Node; a write first forces chunks.
    response.write(body);
    response.end();
    return;
  }
  response.end(body);
};

/** The public connector and the config it reads, replaceable between calls. */
export type ConnectorUnderTest = {
  connector: SocialConnector;
  /** Sets what `getConfig` returns (or, for an `Error`, throws) from the next call on. */
  useConfig: (config: unknown) => void;
};

/** Builds the connector through its default export, as Logto does. */
export const createConnectorUnderTest = async (): Promise<ConnectorUnderTest> => {
  let config: unknown;
  const connector = await createConnector({
    // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getConfig is async: a failure is a rejection
    getConfig: async () => {
      if (config instanceof Error) {
        throw config;
      }
      return config;
    },
  });
  return {
    connector,
    useConfig: (next) => {
      config = next;
    },
  };
};

/** A sign-in started through `getAuthorizationUri`. */
export type StartedSignIn = {
  state: string;
  url: URL;
  store: LogtoSessionStore;
  /** The PKCE verifier the connector saved in the session. */
  codeVerifier: string;
  /** The nonce saved in the session, when `openid` was requested. */
  nonce?: string;
};

/**
 * Starts a sign-in the way Logto does, with a session store that keeps JSON and replaces its
 * content on each `setSession`.
 */
export const startSignIn = async (connector: SocialConnector, state = distinctive('state')) => {
  const store = createLogtoSessionStore();
  const url = await connector.getAuthorizationUri(
    {
      state,
      redirectUri,
      connectorId: 'hf-hostile',
      connectorFactoryId: 'huggingface-oidc-universal',
      jti: distinctive('jti'),
      headers: { userAgent: 'hostile-suite' },
    },
    store.setSession
  );
  const session = store.saved() ?? {};
  const { codeVerifier, nonce } = session;
  if (typeof codeVerifier !== 'string') {
    throw new TypeError('getAuthorizationUri saved no PKCE verifier');
  }
  const started: StartedSignIn = { state, url: new URL(url), store, codeVerifier };
  if (typeof nonce === 'string') {
    started.nonce = nonce;
  }
  return started;
};

/**
 * A random value no input could contain by chance, to tell whether it reached an error.
 *
 * @param label - Readable prefix, e.g. `secret`; never `hf_`, so that only redaction by value
 *   (not the token pattern) can hide it.
 */
export const distinctive = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;

/** How a connector call ended. */
export type Outcome =
  | { settled: 'resolved'; value: unknown }
  | { settled: 'rejected'; error: unknown };

/** Awaits a call and records how it ended, so a property can inspect either end. */
export const settle = async (call: Promise<unknown>): Promise<Outcome> => {
  try {
    return { settled: 'resolved', value: await call };
  } catch (error: unknown) {
    return { settled: 'rejected', error };
  }
};

const knownCodes: ReadonlySet<string> = new Set(Object.values(ConnectorErrorCodes));

/**
 * What an outcome amounts to for the hostile-input contract: `resolved`, the code of a
 * `ConnectorError` with a known code, or a description of the contract breach.
 */
export const classify = (outcome: Outcome): string => {
  if (outcome.settled === 'resolved') {
    const parsed = socialUserInfoGuard.safeParse(outcome.value);
    return parsed.success ? 'resolved' : 'breach: resolved with an invalid SocialUserInfo';
  }
  const { error } = outcome;
  if (!(error instanceof ConnectorError)) {
    return `breach: rejected with ${error instanceof Error ? error.name : typeof error}`;
  }
  return knownCodes.has(error.code) ? error.code : `breach: unknown code ${error.code}`;
};

/**
 * Names the secrets an error reveals in its message, stack or data.
 *
 * @param error - Whatever a call rejected with.
 * @param secrets - Label to value; only labels are returned, so a failure never prints a secret.
 */
export const leakedSecrets = (
  error: unknown,
  secrets: Record<string, string | undefined>
): string[] => {
  if (!(error instanceof Error)) {
    return [];
  }
  const dataValue: unknown = 'data' in error ? error.data : undefined;
  // JSON.stringify returns undefined for an absent `data`, which its type hides.
  const data = (JSON.stringify(dataValue) as string | undefined) ?? '';
  const texts = [error.message, String(error.stack), data];
  return Object.entries(secrets)
    .filter(([, value]) => value !== undefined && texts.some((text) => text.includes(value)))
    .map(([label]) => label);
};

/** Unhandled promise rejections seen while a suite runs. */
export type RejectionWatch = {
  /** The reasons seen so far, as type names (never their text, which could hold a secret). */
  seen: string[];
  /** Removes the listener. */
  stop: () => void;
};

/** Registers a process-wide `unhandledRejection` listener for the suite. */
export const watchUnhandledRejections = (): RejectionWatch => {
  const seen: string[] = [];
  const listener = (reason: unknown) => {
    seen.push(reason instanceof Error ? reason.name : typeof reason);
  };
  process.on('unhandledRejection', listener);
  return { seen, stop: () => process.off('unhandledRejection', listener) };
};

/** Lets pending callbacks and rejections run, so a late unhandled rejection is seen. */
export const drainEventLoop = async (): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setImmediate(resolve));
};
