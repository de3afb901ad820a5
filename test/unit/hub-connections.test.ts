/**
 * Connection reuse against real loopback servers: what the hub announces, what it closes, and
 * what a request does when the connection it would use is gone. Each test has its own server
 * (its own port), so the shared pool never mixes them.
 */
import { once } from 'node:events';
import http from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, describe, expect, it } from 'vitest';

import { sendRequest, TransportError } from '../../src/http.js';
import { hubAgents, idleMarginMs, maxIdleMs, openConnectionsAhead } from '../../src/hub-connections.js';

type Hub = {
  url: URL;
  /** Connections the server accepted, in order. */
  sockets: Socket[];
  /** What the server saw, in order: `connection`, `GET`, `POST`. */
  events: string[];
  server: http.Server;
};

type Handler = (request: http.IncomingMessage, response: http.ServerResponse, socket: Socket) => void;

const hubs: Hub[] = [];

const answerOk: Handler = (_request, response) => {
  response.end('ok');
};

/** A hub on 127.0.0.1 that keeps idle connections for `keepAliveSeconds` and says so in `Keep-Alive`. */
const startHub = async (keepAliveSeconds: number, handle: Handler = answerOk): Promise<Hub> => {
  const sockets: Socket[] = [];
  const events: string[] = [];
  const server = http.createServer((request, response) => {
    events.push(request.method ?? '?');
    request.resume();
    request.once('end', () => handle(request, response, request.socket));
  });
  server.keepAliveTimeout = keepAliveSeconds * 1000;
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    events.push('connection');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const hub = { url: new URL(`http://127.0.0.1:${port}/oauth/token`), sockets, events, server };
  hubs.push(hub);
  return hub;
};

afterEach(() => {
  for (const hub of hubs.splice(0)) {
    hub.server.closeAllConnections();
    hub.server.close();
  }
});

const post = async (hub: Hub) =>
  sendRequest({ method: 'POST', url: hub.url, form: { grant_type: 'authorization_code' }, timeoutMs: 5000 });

const get = async (hub: Hub) => sendRequest({ method: 'GET', url: hub.url, timeoutMs: 5000, retries: 2 });

/** The idle connections the pool holds for a hub. */
const idleConnections = (hub: Hub): Socket[] =>
  Object.entries(hubAgents.http.freeSockets)
    .filter(([name]) => name.startsWith(`${hub.url.hostname}:${hub.url.port}:`))
    .flatMap(([, sockets]) => sockets ?? []);

/** Lets the client read what the server sent (a close, a response). */
const settle = async () => sleep(50);

describe('idle connections and the Keep-Alive hint', () => {
  it('keeps an idle connection for the announced timeout less the margin', async () => {
    const hub = await startHub(60);
    await post(hub);
    await settle();

    const [idle, ...others] = idleConnections(hub);
    expect(others).toEqual([]);
    expect(idle?.timeout).toBe(60_000 - idleMarginMs);
  });

  it('keeps an idle connection no longer than the cap, whatever the hub announces', async () => {
    const hub = await startHub(3600);
    await post(hub);
    await settle();

    expect(idleConnections(hub).map((socket) => socket.timeout)).toEqual([maxIdleMs]);
  });

  it('does not keep a connection when the announced timeout leaves no time', async () => {
    const hub = await startHub(1);
    await post(hub);
    await post(hub);

    expect(hub.events).toEqual(['connection', 'POST', 'connection', 'POST']);
  });

  it('reuses the connection after 6 s idle, past the 5 s of Node.js\'s default agent', async () => {
    const hub = await startHub(60);
    await get(hub);
    await sleep(6000);
    await post(hub);

    expect(hub.events).toEqual(['connection', 'GET', 'POST']);
  });

  it('opens a new connection once the allowance has run out, before the hub would close it', async () => {
    // The hub announces 2 s but would keep the connection for a minute.
    const hub = await startHub(60, (_request, response) => {
      response.setHeader('keep-alive', 'timeout=2');
      response.end('ok');
    });
    await get(hub);
    await sleep(1000 + 200);
    await post(hub);

    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
  });
});

describe('connections the hub closed', () => {
  it('sends the POST on a new connection when the hub closed the idle one', async () => {
    // No hint: the hub keeps connections until it decides otherwise, then closes them.
    const hub = await startHub(0);
    await get(hub);
    hub.sockets[0]?.destroy();
    await settle();
    const response = await post(hub);

    expect(response.status).toBe(200);
    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
  });

  it('does not send the POST on a connection whose close has arrived but was not read yet', async () => {
    const hub = await startHub(60);
    await get(hub);
    await settle();
    expect(idleConnections(hub)).toHaveLength(1);

    // The hub closes the idle connection and the POST starts at once, before the client's event
    // loop has looked at that connection again.
    hub.sockets[0]?.destroy();
    const response = await post(hub);

    expect(response.status).toBe(200);
    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
  });

  it('never sends a POST twice when the connection drops after the POST went out', async () => {
    let requests = 0;
    const hub = await startHub(60, (_request, response, socket) => {
      requests += 1;
      if (requests === 1) {
        response.end('ok');
      } else {
        socket.destroy();
      }
    });
    await get(hub);
    await settle();
    const failure = await post(hub).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransportError);
    expect((failure as TransportError).reason).toBe('network');
    expect(hub.events).toEqual(['connection', 'GET', 'POST']);
  });
});

describe('connections opened ahead', () => {
  it('opens the missing connections before the POST, and the requests after it use them', async () => {
    const hub = await startHub(60);
    openConnectionsAhead(hub.url, 2);
    while (hub.sockets.length < 2) {
      // eslint-disable-next-line no-await-in-loop
      await once(hub.server, 'connection');
    }
    await post(hub);
    await Promise.all([get(hub), get(hub)]);

    expect(hub.events).toEqual(['connection', 'connection', 'POST', 'GET', 'GET']);
  });

  it('opens only what is missing', async () => {
    const hub = await startHub(60);
    await get(hub);
    await settle();
    openConnectionsAhead(hub.url, 2);
    await post(hub);
    await Promise.all([get(hub), get(hub)]);

    expect(hub.events.filter((event) => event === 'connection')).toHaveLength(2);
  });
});
