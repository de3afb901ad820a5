/**
 * Connection reuse against real loopback servers: what the hub announces, what it closes, and
 * what a request does when the connection it would use is gone. The module documents the rules:
 * an idle connection is kept for the hub's `Keep-Alive: timeout=N` less 1 s, at most 90 s
 * (90 s too when the hub announces nothing), not at all when that leaves no time; no idle timer
 * runs while a connection carries a request; an idle connection that is closed, closing or past
 * its allowance is dropped before a request. Each test has its own server (its own port), so the
 * shared pool never mixes them. Idle time passes on a frozen `Date`; Node.js's own socket timers
 * keep real time and never get near the allowances here.
 */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { type Socket } from 'node:net';

import { describe, expect, it } from 'vitest';

import { TransportError } from '../../src/http.js';
import { hubAgents } from '../../src/hub-connections.js';

import {
  closedByClient,
  connectionsKeepingProcessAlive,
  freezeClock,
  type Handler,
  type Hub,
  get,
  post,
  loopbackCertificate,
  startHttpsHub,
  startHub,
  until,
} from './hub-fixtures.js';

/** The idle connections the pool holds for a hub. */
const idleConnections = (hub: Hub): Socket[] =>
  Object.entries(hubAgents.http.freeSockets)
    .filter(([name]) => name.startsWith(`${hub.url.hostname}:${hub.url.port}:`))
    .flatMap(([, sockets]) => sockets ?? []);

/** Waits until the pool holds an idle connection for the hub (the response's end frees it). */
const idleConnectionOf = async (hub: Hub): Promise<Socket> => {
  await until(() => idleConnections(hub).length > 0);
  return idleConnections(hub)[0]!;
};

/** A hub that keeps connections for a minute but announces `keepAlive` in its `Keep-Alive` header(s). */
const announcing =
  (keepAlive: string | string[]): Handler =>
  (_request, response) => {
    response.setHeader('keep-alive', keepAlive);
    response.end('ok');
  };

/**
 * Asserts that an idle connection to a fresh hub is reused up to `allowanceMs` of idle time and
 * not from then on: a request after `allowanceMs - 1` ms goes on the same connection, one after
 * `allowanceMs` (counted from that request's response) on a new one.
 */
const expectIdleAllowance = async (hub: Hub, allowanceMs: number) => {
  const clock = freezeClock();
  await get(hub);
  clock.advance(allowanceMs - 1);
  await post(hub);
  expect(hub.events).toEqual(['connection', 'GET', 'POST']);
  clock.advance(allowanceMs);
  await post(hub);
  expect(hub.events).toEqual(['connection', 'GET', 'POST', 'connection', 'POST']);
};

describe('idle connections and the Keep-Alive hint', () => {
  it('keeps an idle connection for the announced timeout less 1 s, on its own timer too', async () => {
    const hub = await startHub(60);
    await post(hub);
    // The connection's own idle timer: what closes it when no request comes.
    expect((await idleConnectionOf(hub)).timeout).toBe(59_000);

    await expectIdleAllowance(await startHub(60), 59_000);
  });

  it('reuses a connection idle for 6 s, past the 5 s of Node.js\'s default agent', async () => {
    const hub = await startHub(60);
    const clock = freezeClock();
    await get(hub);
    clock.advance(6000);
    await post(hub);

    expect(hub.events).toEqual(['connection', 'GET', 'POST']);
  });

  it('keeps an idle connection no longer than 90 s, whatever the hub announces', async () => {
    const hub = await startHub(3600);
    await post(hub);
    expect((await idleConnectionOf(hub)).timeout).toBe(90_000);

    await expectIdleAllowance(await startHub(3600), 90_000);
  });

  it('keeps an idle connection 90 s when the hub announces no timeout', async () => {
    await expectIdleAllowance(await startHub(0), 90_000);
    await expectIdleAllowance(await startHub(60, { handle: announcing('max=100') }), 90_000);
  });

  it('reads timeout=N in any position of Keep-Alive, with spaces around =, and in a repeated header', async () => {
    await expectIdleAllowance(await startHub(60, { handle: announcing('max=5, timeout=3') }), 2000);
    await expectIdleAllowance(await startHub(60, { handle: announcing('max=5;timeout=4') }), 3000);
    await expectIdleAllowance(await startHub(60, { handle: announcing('timeout = 5') }), 4000);
    // Two fields are one list (RFC 9110 §5.3).
    await expectIdleAllowance(await startHub(60, { handle: announcing(['max=5', 'timeout=6']) }), 5000);
  });

  it('does not take a parameter that merely ends in "timeout" for the timeout', async () => {
    await expectIdleAllowance(await startHub(60, { handle: announcing('xtimeout=3') }), 90_000);
  });

  it('does not keep a connection when the announced timeout leaves no time', async () => {
    const hub = await startHub(1);
    await post(hub);
    await post(hub);

    expect(hub.events).toEqual(['connection', 'POST', 'connection', 'POST']);
  });

  it('closes the connection after the response when timeout=1 comes after another parameter', async () => {
    const hub = await startHub(60, { handle: announcing('max=5, timeout=1') });
    await get(hub);
    await closedByClient(hub.sockets[0]);
    await post(hub);

    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
  });

  it('lets an idle connection run out before the hub would close it, and closes it', async () => {
    // The hub announces 2 s but would keep the connection for a minute.
    const hub = await startHub(60, { handle: announcing('timeout=2') });
    const clock = freezeClock();
    await get(hub);
    clock.advance(1000);
    await post(hub);

    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
    await closedByClient(hub.sockets[0]);
  });

  it('runs no idle timer while a reused connection carries a request', async () => {
    const hub = await startHub(60);
    await get(hub);
    await idleConnectionOf(hub);
    const request = http.get(hub.url, { agent: hubAgents.http });
    const [socket] = (await once(request, 'socket')) as [Socket];
    expect(socket.timeout).toBe(0);
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    response.resume();
    await once(response, 'end');

    expect(hub.events).toEqual(['connection', 'GET', 'GET']);
    expect((await idleConnectionOf(hub)).timeout).toBe(59_000);
  });

  it('reuses HTTPS connections too', async () => {
    const hub = await startHttpsHub();
    const httpsGet = async () => {
      const request = https.get({
        host: '127.0.0.1',
        port: hub.port,
        path: '/userinfo',
        agent: hubAgents.https,
        ca: loopbackCertificate.cert,
      });
      const [response] = (await once(request, 'response')) as [http.IncomingMessage];
      response.resume();
      await once(response, 'end');
    };
    await httpsGet();
    await httpsGet();

    expect(hub.events).toEqual(['connection', 'GET', 'GET']);
  });

  it('leaves idle connections out of what keeps the process running', async () => {
    const hub = await startHub(60);
    await get(hub);
    const idle = await idleConnectionOf(hub);
    const withIdleConnection = connectionsKeepingProcessAlive();
    idle.destroy();
    await once(idle, 'close');

    expect(connectionsKeepingProcessAlive()).toBe(withIdleConnection);
  });
});

describe('connections the hub closed', () => {
  it('sends the POST on a new connection when the hub closed the idle one', async () => {
    // No hint: the hub keeps connections until it decides otherwise, then closes them.
    const hub = await startHub(0);
    await get(hub);
    await idleConnectionOf(hub);
    hub.sockets[0]?.destroy();
    await once(await idleConnectionOf(hub), 'close');
    const response = await post(hub);

    expect(response.status).toBe(200);
    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
  });

  it('does not send the POST on a connection whose close has arrived but was not read yet', async () => {
    const hub = await startHub(60);
    await get(hub);
    await idleConnectionOf(hub);

    // The hub closes the idle connection and the POST starts at once, before the client's event
    // loop has looked at that connection again.
    hub.sockets[0]?.destroy();
    const response = await post(hub);

    expect(response.status).toBe(200);
    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
  });

  it('sends the POST on the live idle connection when the hub closed the one idle since last', async () => {
    // Two requests at once, on two connections, answered one after the other: the second
    // connection is the one idle since last, the one a new request would take first.
    const held: http.ServerResponse[] = [];
    const hub = await startHub(60, {
      handle(request, response) {
        if (request.method === 'GET') {
          held.push(response);
        } else {
          response.end('ok');
        }
      },
    });
    const gets = Promise.all([get(hub), get(hub)]);
    await until(() => held.length === 2);
    const [first, second] = hub.requestConnections[0] === 0 ? held : held.reverse();
    first?.end('ok');
    await until(() => idleConnections(hub).length === 1);
    second?.end('ok');
    await gets;
    await until(() => idleConnections(hub).length === 2);

    hub.sockets[1]?.destroy();
    const response = await post(hub);

    expect(response.status).toBe(200);
    expect(hub.events).toEqual(['connection', 'connection', 'GET', 'GET', 'POST']);
    expect(hub.requestConnections.at(-1)).toBe(0);
  });

  it('never sends a POST twice when the connection drops after the POST went out', async () => {
    let requests = 0;
    const hub = await startHub(60, {
      handle(_request, response, socket) {
        requests += 1;
        if (requests === 1) {
          response.end('ok');
        } else {
          socket.destroy();
        }
      },
    });
    await get(hub);
    await idleConnectionOf(hub);
    const failure = await post(hub).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransportError);
    expect((failure as TransportError).reason).toBe('network');
    expect(hub.events).toEqual(['connection', 'GET', 'POST']);
  });
});
