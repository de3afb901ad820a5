/**
 * The hostile suite's stage: a real HTTP server on 127.0.0.1 whose answers each test scripts, the
 * built connector (`npm run build` first), and what every outcome must be: a valid
 * `SocialUserInfo`, or a `ConnectorError` with a known code that holds no secret. An unhandled
 * rejection fails the run: vitest reports it as an error of the file.
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
import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';

import createConnector from '../../lib/index.js';
import { connectorFrom, type ScriptedAnswer } from '../support/kit.js';

/** The built connector, created as Logto does; `getConfig` rejects when `config` is an `Error`. */
export const builtConnector = async (config: unknown): Promise<SocialConnector> =>
  connectorFrom(createConnector, config);

/** A request as the loopback server received it; `path` holds the query too. */
export type RecordedRequest = { path: string; headers: IncomingHttpHeaders; body: string };

/** Answers one request; it may also leave the request hanging or misuse the socket. */
export type RequestHandler = (request: RecordedRequest, response: ServerResponse) => void;

/**
 * A real HTTP server on 127.0.0.1: its `url` is the connector's `hubUrl`, `requests` holds every
 * request received, `handle` replaces the handler of those that follow, `close` destroys every
 * open socket and stops listening.
 */
export type LoopbackServer = {
  url: string;
  requests: RecordedRequest[];
  handle: (handler: RequestHandler) => void;
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
      const request = { path: incoming.url ?? '', headers: incoming.headers, body: Buffer.concat(chunks).toString() };
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

/**
 * A loopback server for the test file, closed after its tests. The kit's nock interception is
 * turned off first, so the connector's requests go out on real sockets.
 */
export const useLoopbackServer = (): { readonly server: LoopbackServer } => {
  let server: LoopbackServer | undefined;
  beforeAll(async () => {
    nock.restore();
    server = await startLoopbackServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get server() {
      return server!;
    },
  };
};

/**
 * A scripted answer of the kit's shape, plus what only a real server can send: 1xx statuses (not
 * 101) as interim answers before the final one, and chunked framing instead of a
 * `content-length`. A 101 is sent as a protocol switch, the only way it can be final.
 */
export type HostileAnswer = Extract<ScriptedAnswer, { status: number }> & {
  chunked?: boolean;
  informational?: number[];
};

/** Statuses whose answer has no body: a protocol switch, and those Node's server sends without one. */
const bodilessStatuses: ReadonlySet<number> = new Set([101, 204, 304]);

/** The body a client receives for `answer`: none for 101, 204 and 304. */
export const deliveredBody = (answer: HostileAnswer): Buffer => {
  if (bodilessStatuses.has(answer.status)) {
    return Buffer.alloc(0);
  }
  return Buffer.from(typeof answer.body === 'object' ? JSON.stringify(answer.body) : (answer.body ?? ''));
};

/** Writes a scripted answer; interim answers and a 101 go straight to the socket. */
export const sendAnswer = (response: ServerResponse, answer: HostileAnswer): void => {
  const { socket } = response;
  for (const status of answer.informational ?? []) {
    socket?.write(`HTTP/1.1 ${status} Informational\r\nx-interim: ${status}\r\n\r\n`);
  }
  if (answer.status === 101) {
    socket?.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: hostile\r\n\r\n');
    return;
  }
  const body = deliveredBody(answer);
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

/**
 * A random value no input could contain by chance, to tell whether it reached an error.
 *
 * @param label - Readable prefix, e.g. `secret`; never `hf_`, so that only redaction by value
 *   (not the token pattern) can hide it.
 */
export const distinctive = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;

/** How a connector call ended. */
export type Outcome = { settled: 'resolved'; value: unknown } | { settled: 'rejected'; error: unknown };

/** Awaits a call and records how it ended, so a property can inspect either end. */
export const settle = async (call: Promise<unknown>): Promise<Outcome> =>
  call.then(
    (value): Outcome => ({ settled: 'resolved', value }),
    (error: unknown): Outcome => ({ settled: 'rejected', error })
  );

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
export const leakedSecrets = (error: unknown, secrets: Record<string, string | undefined>): string[] => {
  if (!(error instanceof Error)) {
    return [];
  }
  // JSON.stringify returns undefined for an absent `data`, which its type hides.
  const data = JSON.stringify('data' in error ? error.data : undefined) as string | undefined;
  const texts = [error.message, String(error.stack), data ?? ''];
  return Object.entries(secrets)
    .filter(([, value]) => value !== undefined && texts.some((text) => text.includes(value)))
    .map(([label]) => label);
};
