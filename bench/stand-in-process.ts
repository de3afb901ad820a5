/**
 * The benchmark's outside world, in processes of their own so that their CPU never counts as the
 * connector's. Forked twice by run.ts, which talks to both over IPC: once to serve the shared
 * stand-in (stand-in/) over HTTPS as `https://huggingface.co` on a free
 * loopback port (`start`, `counts`, `reset`), once as the user's browser that signs in at its
 * login page (`driveSignIn` of stand-in/index.ts; `drive`). Run with
 * `node --import tsx --import <hubResolverPreload>`, NODE_EXTRA_CA_CERTS and, for the browser,
 * BENCH_HF_PORT.
 *
 * The same HTTPS server also listens on a second loopback port, for the connectors only, and
 * counts the connections accepted there: what a connector opens is counted where it arrives,
 * whatever library opened it, apart from the browser's own connections.
 */
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';

import { driveSignIn } from '../stand-in/index.js';
import { demoUsers, startHfStandIn, type StandIn, type StandInClient } from '../stand-in/index.js';

/** What run.ts sends. */
type Request =
  | {
      type: 'start';
      id: number;
      clients: StandInClient[];
      /** Clients allowed to skip PKCE, as Hugging Face allows confidential apps to. */
      pkceOptionalClients: string[];
      keyFile: string;
      certFile: string;
      /** How long the hub keeps an idle connection open, in seconds; it announces nothing. */
      idleConnectionSeconds: number;
    }
  /** Signs in at the login page as `username`; replies with the callback query. */
  | { type: 'drive'; id: number; url: string; redirectUri: string; username: string }
  | { type: 'counts'; id: number }
  | { type: 'reset'; id: number }
  | { type: 'stop'; id: number };

type Reply = { type: 'reply'; id: number; error?: string } & Record<string, unknown>;

let hf: StandIn | undefined;
/** The HTTPS server the stand-in created (captured by {@link emulateHubConnections}). */
let hubServer: https.Server | undefined;
/** The connectors' own port onto {@link hubServer}, and the connections accepted there. */
let connectorListener: net.Server | undefined;
let connectorConnections = 0;

const send = (reply: Reply) => {
  process.send?.(reply);
};

/**
 * Makes the stand-in's HTTPS server treat idle connections as the hub's HTTP/1.1 edge is assumed
 * to: kept open for `seconds`, with no `Keep-Alive` header saying so (Node.js's server would
 * announce its own 5 s; an explicit `Connection: keep-alive` header makes it announce nothing).
 */
const emulateHubConnections = (seconds: number) => {
  const createServer = https.createServer;
  const patched = (options: https.ServerOptions, listener: http.RequestListener) => {
    const server = createServer(options, (request, response) => {
      if (!/close/i.test(request.headers.connection ?? '')) {
        response.setHeader('connection', 'keep-alive');
      }
      listener(request, response);
    });
    server.keepAliveTimeout = seconds * 1000;
    hubServer = server;
    return server;
  };
  https.createServer = patched as typeof https.createServer;
};

const start = async (request: Extract<Request, { type: 'start' }>) => {
  emulateHubConnections(request.idleConnectionSeconds);
  const [key, cert] = await Promise.all([readFile(request.keyFile, 'utf8'), readFile(request.certFile, 'utf8')]);
  hf = await startHfStandIn({
    // Hugging Face lets confidential apps omit PKCE; the official connector sends none.
    clients: request.clients.map((client) =>
      request.pkceOptionalClients.includes(client.clientId) ? { ...client, requirePkce: false } : client
    ),
    tls: { key, cert },
    publicUrl: 'https://huggingface.co',
    host: '127.0.0.1',
    port: 0,
  });
  const port = Number(new URL(hf.localUrl).port);
  const connectorPort = await listenForConnectors();
  const subs = Object.fromEntries(demoUsers.map((user) => [user.preferred_username, user.sub]));
  return { port, connectorPort, url: hf.url, localUrl: hf.localUrl, subs };
};

/**
 * A second loopback port onto the stand-in's HTTPS server, for the connectors: each TCP
 * connection accepted there is counted, then handed to the server as if it had accepted it (each
 * becomes one TLS connection).
 */
const listenForConnectors = async (): Promise<number> => {
  const server = hubServer;
  if (!server) {
    throw new Error('The stand-in created no HTTPS server');
  }
  const listener = net.createServer({ noDelay: true }, (socket) => {
    connectorConnections += 1;
    server.emit('connection', socket);
  });
  connectorListener = listener;
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => resolve());
  });
  return (listener.address() as net.AddressInfo).port;
};

const handle = async (request: Request): Promise<Record<string, unknown>> => {
  switch (request.type) {
    case 'start':
      return start(request);
    case 'drive':
      return { query: await driveSignIn(request.url, request.redirectUri, { username: request.username }) };
    case 'counts':
      return { counts: { ...hf?.requestCounts }, connections: connectorConnections };
    case 'reset':
      hf?.resetCounts();
      return {};
    case 'stop':
      connectorListener?.close();
      await hf?.close();
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- `process.disconnect` is undefined without an IPC channel; its type does not say so
      setImmediate(() => process.disconnect?.());
      return {};
  }
};

process.on('message', (request: Request) => {
  handle(request).then(
    (body) => send({ type: 'reply', id: request.id, ...body }),
    (error: unknown) =>
      send({ type: 'reply', id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
