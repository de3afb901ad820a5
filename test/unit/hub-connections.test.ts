/**
 * Connections to the hub, against real loopback servers, as `hub-connections.ts` documents them:
 * an idle connection is kept for the hub's `Keep-Alive: timeout=N` less 1 s, at most 90 s (90 s
 * too when the hub announces nothing), not at all when that leaves no time; no idle timer runs
 * while a connection carries a request; one closed, closing or past its allowance is dropped
 * before a request. Connections opened ahead are handed out before new ones and close after 30 s
 * unused; TLS sends the server name only for a name (RFC 6066 §3). A connection goes back to the
 * pool when its request is done, even when the answer came before the request was all sent. Each
 * test has its own server (its own port), so the shared pool never mixes them. Idle time passes
 * on a frozen `Date`; Node.js's own socket timers keep real time and never get near the
 * allowances here.
 */
import dc from 'node:diagnostics_channel';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { type Socket } from 'node:net';

import { describe, expect, it, vi } from 'vitest';

import { sendRequest, TransportError } from '../../src/http.js';
import { hubAgents, openConnectionsAhead } from '../../src/hub-connections.js';
import { until } from '../support/fake-clock.js';

import {
  acceptedConnections,
  closedByClient,
  connectionsKeepingProcessAlive,
  freezeClock,
  get,
  type Handler,
  type Hub,
  loopbackCertificate,
  post,
  socketsCreatedBy,
  startEarlyAnsweringHub,
  startHub,
  startTlsListener,
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

type HoldingHub = Hub & { held: http.ServerResponse[] };

/** A hub that holds every request's answer until the test ends it. */
const startHoldingHub = async (): Promise<HoldingHub> => {
  const held: http.ServerResponse[] = [];
  const hub = await startHub(60, { handle: (_request, response) => held.push(response) });
  return { ...hub, held };
};

/**
 * Sends `count` requests at once (alternating GET and POST, as userinfo and the token exchange
 * would), answers them once all have arrived, so all are in flight together, and waits for
 * their ends.
 */
const burst = async (hub: HoldingHub, count: number) => {
  const requests = Array.from({ length: count }, async (_, index) => (index % 2 ? post(hub) : get(hub)));
  await until(() => hub.held.length === count);
  for (const response of hub.held.splice(0)) {
    response.end('ok');
  }
  expect((await Promise.all(requests)).map(({ status }) => status)).toEqual(Array.from({ length: count }, () => 200));
};

/** A request through the hub agent that the test drives by hand (`http.get`, as Node.js documents it). */
const rawGet = (hub: Hub, options: http.RequestOptions = {}) =>
  http.get({ host: hub.url.hostname.replace(/^\[|\]$/g, ''), port: Number(hub.url.port), path: '/', agent: hubAgents.http, ...options });

const bodyOf = async (request: http.ClientRequest): Promise<string> => {
  const [response] = (await once(request, 'response')) as [http.IncomingMessage];
  response.setEncoding('utf8');
  let body = '';
  for await (const chunk of response) {
    body += chunk as string;
  }
  return body;
};

/** Opens `count` connections ahead to the hub and returns the client's side of the ones it opened. */
const openAhead = async (hub: Hub, count: number): Promise<Socket[]> =>
  socketsCreatedBy(() => {
    openConnectionsAhead(hub.url, count);
  });

describe('idle connections and the Keep-Alive hint', () => {
  it.each([
    { keepAlive: 60, announced: undefined, allowanceMs: 59_000 },
    { keepAlive: 3600, announced: undefined, allowanceMs: 90_000 },
    { keepAlive: 0, announced: undefined, allowanceMs: 90_000 },
    { keepAlive: 60, announced: 'max=100', allowanceMs: 90_000 },
    { keepAlive: 60, announced: 'max=5, timeout=30', allowanceMs: 29_000 },
    { keepAlive: 60, announced: 'max=5;timeout=40', allowanceMs: 39_000 },
    { keepAlive: 60, announced: 'timeout = 50', allowanceMs: 49_000 },
    // Two fields are one list (RFC 9110 §5.3).
    { keepAlive: 60, announced: ['max=5', 'timeout=20'], allowanceMs: 19_000 },
    { keepAlive: 60, announced: 'xtimeout=30', allowanceMs: 90_000 },
  ])(
    'keep-alive $keepAlive s announcing $announced: reused for $allowanceMs ms idle, then closed',
    async ({ keepAlive, announced, allowanceMs }) => {
      const hub = await startHub(keepAlive, announced === undefined ? {} : { handle: announcing(announced) });
      const clock = freezeClock();
      await get(hub);
      // The connection's own idle timer: what closes it when no request comes.
      expect((await idleConnectionOf(hub)).timeout).toBe(allowanceMs);
      clock.advance(allowanceMs - 1);
      await post(hub);
      expect(hub.events).toEqual(['connection', 'GET', 'POST']);
      clock.advance(allowanceMs);
      await post(hub);

      expect(hub.events).toEqual(['connection', 'GET', 'POST', 'connection', 'POST']);
      await closedByClient(hub.sockets[0]);
    }
  );

  it.each(['timeout=1', 'max=5, timeout=1'])('announcing %s leaves no time: closed after the answer', async (announced) => {
    const hub = await startHub(60, { handle: announcing(announced) });
    await get(hub);
    await closedByClient(hub.sockets[0]);
    await post(hub);

    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
  });

  it('runs no idle timer while a reused connection carries a request', async () => {
    const hub = await startHub(60);
    await get(hub);
    await idleConnectionOf(hub);
    const request = rawGet(hub);
    const [socket] = (await once(request, 'socket')) as [Socket];
    expect(socket.timeout).toBe(0);
    expect(await bodyOf(request)).toBe('ok');

    expect(hub.events).toEqual(['connection', 'GET', 'GET']);
    expect((await idleConnectionOf(hub)).timeout).toBe(59_000);
  });

  it('reuses HTTPS connections too', async () => {
    const hub = await startHub(60, { tls: true });
    const httpsGet = async () => bodyOf(https.get(hub.url, { agent: hubAgents.https, ca: loopbackCertificate.cert }));

    expect([await httpsGet(), await httpsGet()]).toEqual(['ok', 'ok']);
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
  it.each([
    { keepAlive: 0, seen: 'read by the client' },
    { keepAlive: 60, seen: 'not read yet' },
  ])('sends the POST on a new connection when the hub closed the idle one ($seen)', async ({ keepAlive, seen }) => {
    const hub = await startHub(keepAlive);
    await get(hub);
    const idle = await idleConnectionOf(hub);
    hub.sockets[0]?.destroy();
    if (seen === 'read by the client') {
      await once(idle, 'close');
    }
    // Otherwise the POST starts before the client's event loop has looked at that connection again.
    const response = await post(hub);

    expect(response.status).toBe(200);
    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
  });

  it('sends the POST on the live idle connection when the hub closed the one idle since last', async () => {
    // Two requests at once, on two connections, answered one after the other: the second
    // connection is the one idle since last, the one a new request would take first.
    const held: http.ServerResponse[] = [];
    const hub = await startHub(60, {
      handle: (request, response) => (request.method === 'GET' ? held.push(response) : response.end('ok')),
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
    expect((await post(hub)).status).toBe(200);
    expect(hub.events).toEqual(['connection', 'connection', 'GET', 'GET', 'POST']);
    expect(hub.requestConnections.at(-1)).toBe(0);
  });

  it('never sends a POST twice when the connection drops after the POST went out', async () => {
    const hub = await startHub(60, {
      handle: (request, response, socket) => (request.method === 'GET' ? response.end('ok') : socket.destroy()),
    });
    await get(hub);
    await idleConnectionOf(hub);
    const failure = await post(hub).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransportError);
    expect(failure).toMatchObject({ reason: 'network' });
    expect(hub.events).toEqual(['connection', 'GET', 'POST']);
  });
});

describe('connections opened ahead', () => {
  it('opens only what is missing (connections carrying a request, idle or opened ahead before count), and hands them out', async () => {
    const hub = await startHoldingHub();
    const first = get(hub);
    await until(() => hub.held.length === 1);
    expect(await openAhead(hub, 2)).toHaveLength(1);
    hub.held.pop()?.end('ok');
    await first;
    await idleConnectionOf(hub);
    expect(await openAhead(hub, 2)).toHaveLength(0);
    expect(await openAhead(hub, 3)).toHaveLength(1);

    await burst(hub, 3);
    expect(hub.events.filter((event) => event === 'connection')).toHaveLength(3);
  });

  it('does not count connections to another origin, nor hand them out', async () => {
    const other = await startHub(60);
    await get(other);
    openConnectionsAhead(other.url, 2);
    await acceptedConnections(other, 2);
    const hub = await startHub(60);

    expect(await openAhead(hub, 1)).toHaveLength(1);
    await get(hub);
    expect(hub.events).toEqual(['connection', 'GET']);
    expect(other.events).toEqual(['connection', 'GET', 'connection']);
  });

  it.each(['the hub closes it', 'nothing uses it for 30 s'])('opens again when %s', async (ending) => {
    const hub = await startHub(60);
    const [spare] = await openAhead(hub, 1);
    await acceptedConnections(hub, 1);
    expect(spare?.timeout).toBe(30_000);
    if (ending === 'the hub closes it') {
      hub.sockets[0]?.destroy();
    } else {
      // What Node.js does once the socket has been inactive for its timeout.
      spare?.emit('timeout');
    }
    await once(spare!, 'close');

    expect(await openAhead(hub, 1)).toHaveLength(1);
  });

  it('does not send a request on a connection opened ahead whose close has arrived but was not read yet', async () => {
    const hub = await startHub(60);
    openConnectionsAhead(hub.url, 1);
    await acceptedConnections(hub, 1);
    hub.sockets[0]?.destroy();

    expect((await post(hub)).status).toBe(200);
    expect(hub.events).toEqual(['connection', 'connection', 'POST']);
  });

  it("does not hand out a connection opened ahead once it has read the hub's close", async () => {
    const hub = await startHub(60);
    const [spare] = await openAhead(hub, 1);
    await acceptedConnections(hub, 1);
    hub.sockets[0]?.end();
    await once(spare!, 'end');

    expect(await bodyOf(rawGet(hub))).toBe('ok');
    expect(hub.events).toEqual(['connection', 'connection', 'GET']);
  });

  it('keeps the process running only while a connection opened ahead carries a request, with no idle timer', async () => {
    const hub = await startHoldingHub();
    const before = connectionsKeepingProcessAlive();
    const [spare] = await openAhead(hub, 1);
    await once(spare!, 'connect');
    expect(connectionsKeepingProcessAlive()).toBe(before);

    const request = rawGet(hub);
    await until(() => hub.held.length === 1);
    expect(hub.events).toEqual(['connection', 'GET']);
    expect(connectionsKeepingProcessAlive()).toBe(before + 1);
    expect(request.socket?.timeout).toBe(0);
    hub.held[0]?.end('ok');
    expect(await bodyOf(request)).toBe('ok');
  });

  it('leaves a request timeout on a connection opened ahead a notice, as Node.js documents', async () => {
    const hub = await startHoldingHub();
    const [spare] = await openAhead(hub, 1);
    await once(spare!, 'connect');
    // The request's own inactivity timeout only notifies ('timeout'); the caller decides.
    const request = rawGet(hub, { timeout: 20 });
    await once(request, 'timeout');
    await until(() => hub.held.length === 1);
    hub.held[0]?.end('ok');

    expect(await bodyOf(request)).toBe('ok');
    expect(hub.events).toEqual(['connection', 'GET']);
  });

  it('opens connections to an IPv6 literal, and the request uses them', async () => {
    const hub = await startHub(60, { host: '::1' });
    const [spare] = await openAhead(hub, 1);
    await once(spare!, 'connect');
    await acceptedConnections(hub, 1);
    await get(hub);

    expect(hub.events).toEqual(['connection', 'GET']);
  });

  it('sends the TLS server name for a host name and none for an IP address', async () => {
    const listener = await startTlsListener();
    openConnectionsAhead(new URL(`https://localhost:${listener.port}/keys`), 1);
    openConnectionsAhead(new URL(`https://127.0.0.1:${listener.port}/keys`), 1);
    await acceptedConnections(listener, 2);
    const hellos = await Promise.all(listener.hellos);

    expect(hellos).toHaveLength(2);
    expect(hellos).toContainEqual({ isTls: true, serverName: 'localhost' });
    expect(hellos).toContainEqual({ isTls: true, serverName: undefined });
  });
});

describe('requests sent at once', () => {
  it.each([
    { bursts: [4], ahead: 0, connections: 4 },
    { bursts: [3, 2], ahead: 0, connections: 3 },
    { bursts: [3, 3], ahead: 0, connections: 3 },
    { bursts: [2, 5], ahead: 0, connections: 5 },
    { bursts: [5, 5, 2], ahead: 0, connections: 5 },
    // As a sign-in that will fetch the key set does before its token exchange: two are open already.
    { bursts: [2, 3], ahead: 2, connections: 3 },
  ])('bursts of $bursts, $ahead opened ahead after the first, open $connections connections in all', async ({ bursts, ahead, connections }) => {
    const hub = await startHoldingHub();
    for (const [index, count] of bursts.entries()) {
      // eslint-disable-next-line no-await-in-loop -- one burst after the other
      await burst(hub, count);
      if (index === 0 && ahead > 0) {
        openConnectionsAhead(hub.url, ahead);
      }
    }

    expect(hub.events.filter((event) => event === 'connection')).toHaveLength(connections);
  });
});

describe('a connection whose answer came before the request was all sent', () => {
  /** A form field large enough that no loopback socket buffers hold it (they hold a few MiB). */
  const largeForm = { code: 'x'.repeat(32 * 1024 * 1024) };

  /** Calls `onAnswered` once the client has read a whole answer from `hub`, with the request it answered. */
  const whenAnswered = (hub: { url: URL }, onAnswered: (request: http.ClientRequest) => void) => {
    const listener = (message: unknown) => {
      const { request, response } = message as { request: http.ClientRequest; response: http.IncomingMessage };
      if (request.getHeader('host') === hub.url.host) {
        dc.unsubscribe('http.client.response.finish', listener);
        response.once('end', () => onAnswered(request));
      }
    };
    dc.subscribe('http.client.response.finish', listener);
  };

  it('goes back to the pool once the request is sent, and the next request takes it', async () => {
    const hub = await startEarlyAnsweringHub();
    let sentWhenAnswered: boolean | undefined;
    whenAnswered(hub, (request) => {
      sentWhenAnswered = request.writableFinished;
      hub.readBodies();
    });

    const answer = await post(hub, largeForm);
    await get(hub);

    // What makes this case: the whole answer was in before the request was all sent.
    expect(sentWhenAnswered).toBe(false);
    expect(answer).toEqual({ status: 200, body: '{}' });
    expect(hub.requests).toEqual(['POST /oauth/token', 'GET /oauth/token']);
    expect(hub.sockets).toHaveLength(1);
  });

  it('is closed when the request cannot be sent within the attempt, and the answer is returned', async () => {
    // The attempt's time limit runs on a fake clock: it passes only when the test moves it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const hub = await startEarlyAnsweringHub();
    let connection: Socket | undefined;
    whenAnswered(hub, (request) => {
      connection = request.socket ?? undefined;
    });

    const pending = sendRequest({ method: 'POST', url: hub.url, form: largeForm, timeoutMs: 5000 });
    await until(() => connection !== undefined);
    vi.advanceTimersByTime(5000);

    expect(await pending).toEqual({ status: 200, body: '{}' });
    await until(() => connection?.destroyed === true);
    hub.readBodies();
    await get(hub);
    expect(hub.sockets).toHaveLength(2);
  });
});
