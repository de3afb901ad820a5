/**
 * Connections opened ahead of requests (`openConnectionsAhead`), against real loopback servers. The
 * module documents them: it makes sure `count` connections to the URL's origin are open or
 * opening and opens only what is missing; the agent hands them out before opening new ones; one
 * nobody uses closes after 30 s; TLS sends the server name (SNI) only for a name, never for an
 * IP address (RFC 6066 §3); IPv6 literals work. Until used, a connection opened ahead does not keep
 * the process running; carrying a request it does, with no idle timer, like any other.
 */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { type Socket } from 'node:net';

import { describe, expect, it } from 'vitest';

import { hubAgents, openConnectionsAhead } from '../../src/hub-connections.js';

import {
  acceptedConnections,
  closedByClient,
  connectionsBeforeNow,
  connectionsKeepingProcessAlive,
  type Hub,
  get,
  post,
  startHub,
  startTlsListener,
  until,
  socketsCreatedBy,
} from './hub-fixtures.js';

/** Opens `count` connections ahead to the hub and returns the client's side of the ones it opened. */
const openAhead = (url: URL, count: number): Socket[] =>
  socketsCreatedBy(() => {
    openConnectionsAhead(url, count);
  });

/** A request through the hub agent that the test drives by hand (`http.get`, as Node.js documents it). */
const rawGet = (hub: Hub, options: http.RequestOptions = {}) =>
  http.get({
    host: hub.url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(hub.url.port),
    path: hub.url.pathname,
    agent: hubAgents.http,
    ...options,
  });

const responseOf = async (request: http.ClientRequest): Promise<string> => {
  const [response] = (await once(request, 'response')) as [http.IncomingMessage];
  response.setEncoding('utf8');
  let body = '';
  for await (const chunk of response) {
    body += chunk as string;
  }
  return body;
};

describe('connections opened ahead', () => {
  it('opens the missing connections before the POST, and the requests after it use them', async () => {
    const hub = await startHub(60);
    openConnectionsAhead(hub.url, 2);
    await acceptedConnections(hub, 2);
    await post(hub);
    await Promise.all([get(hub), get(hub)]);

    expect(hub.events).toEqual(['connection', 'connection', 'POST', 'GET', 'GET']);
  });

  it('opens only what is missing: an idle connection counts', async () => {
    const hub = await startHub(60);
    await get(hub);
    await until(() => hub.sockets.length === 1);
    openConnectionsAhead(hub.url, 2);

    expect(await connectionsBeforeNow(hub, 2)).toBe(2);
    await post(hub);
    await Promise.all([get(hub), get(hub)]);
    expect(hub.events.filter((event) => event === 'connection')).toHaveLength(2);
  });

  it('opens only what is missing: connections opened ahead before count', async () => {
    const hub = await startHub(60);
    openConnectionsAhead(hub.url, 2);
    openConnectionsAhead(hub.url, 2);
    openConnectionsAhead(hub.url, 3);

    expect(await connectionsBeforeNow(hub, 3)).toBe(3);
  });

  it('does not count connections to another origin, nor hand them out', async () => {
    const other = await startHub(60);
    await get(other);
    openConnectionsAhead(other.url, 2);
    const hub = await startHub(60);
    openConnectionsAhead(hub.url, 1);

    expect(await connectionsBeforeNow(hub, 1)).toBe(1);
    await get(hub);
    expect(hub.events).toEqual(['connection', 'GET']);
    expect(other.events).toEqual(['connection', 'GET', 'connection']);
  });

  it('opens again when a connection opened ahead was closed by the hub', async () => {
    const hub = await startHub(60);
    const [spare] = openAhead(hub.url, 1);
    await acceptedConnections(hub, 1);
    hub.sockets[0]?.destroy();
    await once(spare!, 'close');
    openConnectionsAhead(hub.url, 1);

    expect(await connectionsBeforeNow(hub, 2)).toBe(2);
  });

  it('closes a connection opened ahead that nothing used for 30 s', async () => {
    const hub = await startHub(60);
    const [spare] = openAhead(hub.url, 1);
    await acceptedConnections(hub, 1);
    expect(spare?.timeout).toBe(30_000);

    // What Node.js does once the socket has been inactive for its timeout.
    spare?.emit('timeout');
    await closedByClient(hub.sockets[0]);
    openConnectionsAhead(hub.url, 1);
    expect(await connectionsBeforeNow(hub, 2)).toBe(2);
  });

  it('does not send a request on a connection opened ahead whose close has arrived but was not read yet', async () => {
    const hub = await startHub(60);
    openConnectionsAhead(hub.url, 1);
    await acceptedConnections(hub, 1);

    hub.sockets[0]?.destroy();
    const response = await post(hub);

    expect(response.status).toBe(200);
    expect(hub.events).toEqual(['connection', 'connection', 'POST']);
  });

  it('does not hand out a connection opened ahead once it has read the hub\'s close', async () => {
    const hub = await startHub(60);
    const [spare] = openAhead(hub.url, 1);
    await acceptedConnections(hub, 1);
    hub.sockets[0]?.end();
    await once(spare!, 'end');
    const request = rawGet(hub);

    expect(await responseOf(request)).toBe('ok');
    expect(hub.events).toEqual(['connection', 'connection', 'GET']);
  });

  it('keeps the process running only while a connection opened ahead carries a request', async () => {
    const held: http.ServerResponse[] = [];
    const hub = await startHub(60, {
      handle(_request, response) {
        held.push(response);
      },
    });
    const before = connectionsKeepingProcessAlive();
    const [spare] = openAhead(hub.url, 1);
    await once(spare!, 'connect');
    expect(connectionsKeepingProcessAlive()).toBe(before);

    const request = rawGet(hub);
    await until(() => held.length === 1);
    expect(hub.events).toEqual(['connection', 'GET']);
    expect(connectionsKeepingProcessAlive()).toBe(before + 1);
    // Carrying a request, it has no idle timer: the 30 s of a spare are over.
    expect(request.socket?.timeout).toBe(0);
    held[0]?.end('ok');
    expect(await responseOf(request)).toBe('ok');
  });

  it('leaves a request timeout on a connection opened ahead a notice, as Node.js documents', async () => {
    const held: http.ServerResponse[] = [];
    const hub = await startHub(60, {
      handle(_request, response) {
        held.push(response);
      },
    });
    const [spare] = openAhead(hub.url, 1);
    await once(spare!, 'connect');
    // The request's own inactivity timeout only notifies ('timeout'); the caller decides.
    const request = rawGet(hub, { timeout: 20 });
    await once(request, 'timeout');
    await until(() => held.length === 1);
    held[0]?.end('ok');

    expect(await responseOf(request)).toBe('ok');
    expect(hub.events).toEqual(['connection', 'GET']);
  });

  it('opens connections to an IPv6 literal, and the request uses them', async () => {
    const hub = await startHub(60, { host: '::1' });
    const [spare] = openAhead(hub.url, 1);
    await once(spare!, 'connect');
    await acceptedConnections(hub, 1);
    await get(hub);

    expect(hub.events).toEqual(['connection', 'GET']);
  });
});

describe('connections opened ahead over TLS', () => {
  it('sends the server name for a host name and none for an IP address', async () => {
    const listener = await startTlsListener();
    openConnectionsAhead(new URL(`https://localhost:${listener.port}/keys`), 1);
    openConnectionsAhead(new URL(`https://127.0.0.1:${listener.port}/keys`), 1);
    await acceptedConnections(listener, 2);
    const hellos = await Promise.all(listener.hellos);

    expect(hellos).toHaveLength(2);
    expect(hellos).toContainEqual({ isTls: true, serverName: 'localhost' });
    expect(hellos).toContainEqual({ isTls: true, serverName: undefined });
  });

  it('counts a TLS connection carrying a request', async () => {
    const listener = await startTlsListener();
    const pending = https.get({
      host: '127.0.0.1',
      port: listener.port,
      path: '/keys',
      agent: hubAgents.https,
    });
    pending.on('error', () => undefined);
    await acceptedConnections(listener, 1);
    openConnectionsAhead(new URL(`https://127.0.0.1:${listener.port}/keys`), 2);

    expect(await connectionsBeforeNow(listener, 2)).toBe(2);
    pending.destroy();
  });
});
