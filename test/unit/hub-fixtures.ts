/**
 * Loopback hubs for the connection tests, and what they see of a client's connections: how many
 * it opened, which one each request came on, which ones it closed.
 */
import dc from 'node:diagnostics_channel';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';

import { afterEach, vi } from 'vitest';

import { sendRequest } from '../../src/http.js';
import { until } from '../support/fake-clock.js';

/** A loopback hub and what it saw. */
export type Hub = {
  url: URL;
  server: net.Server;
  /** Connections the server accepted, in order. */
  sockets: Socket[];
  /** What the server saw, in order: `connection`, then each request's method. */
  events: string[];
  /** For each request, in order, the index in `sockets` of the connection it came on. */
  requestConnections: number[];
  /** The answers a hub started with `hold` has not sent yet, for the test to end. */
  held: http.ServerResponse[];
};

/** What a hub answers, once it has read the whole request. */
export type Handler = (request: http.IncomingMessage, response: http.ServerResponse, socket: Socket) => void;

const servers: net.Server[] = [];
const accepted: Socket[] = [];
/** Sockets the process created with `net.connect` (Node.js's `net.client.socket` channel). */
const clientSockets: Socket[] = [];
dc.subscribe('net.client.socket', (message) => {
  clientSockets.push((message as { socket: Socket }).socket);
});

// Each test starts with no connection of an earlier one left, open or closing.
afterEach(async () => {
  vi.useRealTimers();
  for (const server of servers.splice(0)) {
    server.close();
  }
  const sockets = [...accepted.splice(0), ...clientSockets.splice(0)];
  for (const socket of sockets) {
    socket.destroy();
  }
  await until(() => sockets.every((socket) => socket.closed));
});

const listen = async (server: net.Server, host = '127.0.0.1'): Promise<number> => {
  servers.push(server);
  // The server's side of a connection does not keep the process running: only the client's count.
  server.on('connection', (socket: Socket) => {
    socket.unref();
    accepted.push(socket);
  });
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
};

/** A self-signed certificate for 127.0.0.1 (valid until 2126) and its key, made for these tests alone. */
export const loopbackCertificate = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgsq7E4Ddd866z2DaA
cLFkJsbk4zQgEvMYnYNDz8ufExuhRANCAATSpVpzP2KpqQQvVgJB7X4d7wZLeIJs
veux1CE8+v17KjgML/yQpHmuQFz8WiajuejxWw9K99TJUvI5qbWwprp3
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUQNofzUJhiXyxY5MTbPNYCPrIU2QwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNDAxNDkxM1oYDzIxMjYxMDMx
MDE0OTEzWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATSpVpzP2KpqQQvVgJB7X4d7wZLeIJsveux1CE8+v17KjgML/yQpHmu
QFz8WiajuejxWw9K99TJUvI5qbWwprp3o2QwYjAdBgNVHQ4EFgQUdy/7Mr32C8G4
DGeD9fg7cV0/3z4wHwYDVR0jBBgwFoAUdy/7Mr32C8G4DGeD9fg7cV0/3z4wDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IQCFFNZ+ZUcW8Fg1BbAexUgaWH8WHro17XaEKAee7z6OYwIgOWkz2akoctt5/Led
Ck+YvCZBS23fKsfEGB08aqU2MF8=
-----END CERTIFICATE-----
`,
};

const answerOk: Handler = (_request, response) => {
  response.end('ok');
};

/** How a hub is set up. */
type HubOptions = {
  /** What the server answers; `ok` by default. */
  handle?: Handler;
  /** Holds every answer in `held` instead. */
  hold?: boolean;
  /** The loopback address to listen on; 127.0.0.1 by default. */
  host?: '127.0.0.1' | '::1';
  /** HTTPS with {@link loopbackCertificate}, for 127.0.0.1. */
  tls?: boolean;
  /** A `Keep-Alive` header of the hub's own, in place of the one Node.js sends. */
  keepAliveHeader?: string | string[];
};

/**
 * A hub that keeps idle connections for `keepAliveSeconds` and says so in `Keep-Alive`
 * (Node.js's server sends `Keep-Alive: timeout=N`; with 0 it sends no hint and keeps
 * connections until it closes them).
 */
export const startHub = async (keepAliveSeconds: number, options: HubOptions = {}): Promise<Hub> => {
  const { host = '127.0.0.1', tls = false, keepAliveHeader } = options;
  const held: http.ServerResponse[] = [];
  const hold: Handler = (_request, response) => held.push(response);
  const handle = options.hold ? hold : (options.handle ?? answerOk);
  const sockets: Socket[] = [];
  const events: string[] = [];
  const requestConnections: number[] = [];
  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    events.push(request.method ?? '?');
    requestConnections.push(sockets.indexOf(request.socket));
    if (keepAliveHeader) {
      response.setHeader('keep-alive', keepAliveHeader);
    }
    request.resume();
    request.once('end', () => {
      handle(request, response, request.socket);
    });
  };
  const server = tls ? https.createServer(loopbackCertificate, onRequest) : http.createServer(onRequest);
  server.keepAliveTimeout = keepAliveSeconds * 1000;
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.push(socket);
    events.push('connection');
  });
  const port = await listen(server, host);
  const authority = host === '::1' ? `[::1]:${port}` : `${host}:${port}`;
  return { url: new URL(`${tls ? 'https' : 'http'}://${authority}/oauth/token`), server, sockets, events, requestConnections, held };
};

/** Resolves once the server has accepted `count` connections in all. */
export const acceptedConnections = async (hub: Pick<Hub, 'sockets' | 'server'>, count: number): Promise<void> => {
  while (hub.sockets.length < count) {
    // eslint-disable-next-line no-await-in-loop -- each turn waits for the next connection
    await once(hub.server, 'connection');
  }
};

/** Resolves once the client has closed the connection the server sees as `socket`. */
export const closedByClient = async (socket: Socket): Promise<void> => {
  if (!socket.readableEnded) {
    await once(socket, 'end');
  }
};

/**
 * Runs `open` and returns the client sockets it created meanwhile with `net.connect` (TLS sockets
 * are not published there).
 */
export const socketsCreatedBy = async (open: () => unknown): Promise<Socket[]> => {
  const before = clientSockets.length;
  await open();
  return clientSockets.slice(before);
};

/** How many TCP connections keep the process from exiting (Node.js lists each as a `TCPSocketWrap`). */
export const connectionsKeepingProcessAlive = (): number =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;

/** The answer of {@link startEarlyAnsweringHub} unless a test gives its own: `{}`, the connection kept. */
const earlyAnswer = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}';

/**
 * A hub that answers each request (`answer`, raw HTTP/1.1, `{}` by default) as soon as it has read
 * its headers, and reads its body only once `readBodies` is called: until then the client cannot
 * finish sending.
 */
export const startEarlyAnsweringHub = async (answer = earlyAnswer) => {
  const sockets: Socket[] = [];
  const requests: string[] = [];
  let reading = false;
  const waiting = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let bodyLeft = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const taken = Math.min(bodyLeft, buffered.length);
        bodyLeft -= taken;
        buffered = buffered.subarray(taken);
        const end = buffered.indexOf('\r\n\r\n');
        if (bodyLeft > 0 || end < 0) {
          return;
        }
        const head = buffered.subarray(0, end).toString('latin1');
        buffered = buffered.subarray(end + 4);
        requests.push(head.split(' ').slice(0, 2).join(' '));
        bodyLeft = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        socket.write(answer);
        if (bodyLeft > buffered.length && !reading) {
          socket.pause();
          waiting.add(socket);
        }
      }
    });
  });
  const port = await listen(server);
  const readBodies = () => {
    reading = true;
    for (const socket of waiting) {
      socket.resume();
    }
  };
  return { url: new URL(`http://127.0.0.1:${port}/oauth/token`), server, sockets, requests, readBodies };
};

/**
 * Time limit of the requests below: the longest the config allows, since these tests are about
 * connections, not time, and a busy machine must not run out of it.
 */
const requestTimeoutMs = 30_000;

/** A token-exchange POST to the hub through the transport (never retried, as the connector sends it). */
export const post = async (hub: Pick<Hub, 'url'>, form: Record<string, string> = { grant_type: 'authorization_code' }) =>
  sendRequest({ method: 'POST', url: hub.url, form, timeoutMs: requestTimeoutMs });

/** A GET to the hub through the transport, retried as userinfo is. */
export const get = async (hub: Pick<Hub, 'url'>) =>
  sendRequest({ method: 'GET', url: hub.url, timeoutMs: requestTimeoutMs, retries: 2 });
