/**
 * Connections to the hub, against real loopback servers, as `hub-connections.ts` documents them.
 * Each test has its own server (its own port), so the shared pool never mixes them. Idle time
 * passes on a frozen `Date`; Node.js's own socket timers keep real time and never get near the
 * allowances here.
 */
import dc from 'node:diagnostics_channel';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import { text } from 'node:stream/consumers';
import { type TLSSocket } from 'node:tls';

import { describe, expect, it, vi } from 'vitest';

import { sendRequest, TransportError } from '../../src/http.js';
import { hubAgents, openConnectionsAhead, takeChargeOfConnection } from '../../src/hub-connections.js';
import { until, useFakeClock } from '../support/fake-clock.js';

import {
  acceptedConnections,
  closedByClient,
  connectionsKeepingProcessAlive,
  get,
  type Hub,
  loopbackCertificate,
  post,
  socketsCreatedBy,
  startEarlyAnsweringHub,
  startHub,
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

/**
 * Sends `count` requests at once (alternating GET and POST, as userinfo and the token exchange
 * would), answers them once all have arrived, so all are in flight together, and waits for
 * their ends.
 */
const burst = async (hub: Hub, count: number) => {
  const requests = Array.from({ length: count }, async (_, index) => (index % 2 ? post(hub) : get(hub)));
  await until(() => hub.held.length === count);
  for (const response of hub.held.splice(0)) {
    response.end('ok');
  }
  expect((await Promise.all(requests)).map(({ status }) => status)).toEqual(Array.from({ length: count }, () => 200));
};

/** A request through the hub agent that the test drives by hand (`http.get`, as Node.js documents it). */
const rawGet = (hub: Hub, options: http.RequestOptions = {}) => http.get(hub.url, { agent: hubAgents.http, ...options });

/** The body of a request's answer, as text. */
const bodyOf = async (request: http.ClientRequest): Promise<string> =>
  text(((await once(request, 'response')) as [http.IncomingMessage])[0]);

/** Opens `count` connections ahead to the hub and returns the client's side of the ones it opened. */
const openAhead = async (hub: Hub, count: number): Promise<Socket[]> =>
  socketsCreatedBy(() => {
    openConnectionsAhead(hub.url, count);
  });

describe('idle connections and the Keep-Alive hint', () => {
  it.each([
    { keepAlive: 60, keepAliveHeader: undefined, allowanceMs: 59_000 },
    { keepAlive: 3600, keepAliveHeader: undefined, allowanceMs: 90_000 },
    { keepAlive: 0, keepAliveHeader: undefined, allowanceMs: 90_000 },
    { keepAlive: 60, keepAliveHeader: 'max=100', allowanceMs: 90_000 },
    { keepAlive: 60, keepAliveHeader: 'max=5, timeout=30', allowanceMs: 29_000 },
    { keepAlive: 60, keepAliveHeader: 'max=5;timeout=40', allowanceMs: 39_000 },
    { keepAlive: 60, keepAliveHeader: 'timeout = 50', allowanceMs: 49_000 },
    // Two fields are one list (RFC 9110 §5.3).
    { keepAlive: 60, keepAliveHeader: ['max=5', 'timeout=20'], allowanceMs: 19_000 },
    { keepAlive: 60, keepAliveHeader: 'xtimeout=30', allowanceMs: 90_000 },
  ])(
    'keep-alive $keepAlive s, Keep-Alive: $keepAliveHeader: reused for $allowanceMs ms idle, then closed',
    async ({ keepAlive, keepAliveHeader, allowanceMs }) => {
      const hub = await startHub(keepAlive, { keepAliveHeader });
      useFakeClock(Date.now());
      const processAlive = connectionsKeepingProcessAlive();
      await get(hub);
      // The connection's own idle timer, which closes it when no request comes, and none while it
      // carries one; idle, it does not keep the process running.
      expect((await idleConnectionOf(hub)).timeout).toBe(allowanceMs);
      expect(connectionsKeepingProcessAlive()).toBe(processAlive);
      vi.setSystemTime(Date.now() + allowanceMs - 1);
      const request = rawGet(hub);
      expect(((await once(request, 'socket')) as [Socket])[0].timeout).toBe(0);
      expect(await bodyOf(request)).toBe('ok');
      expect((await idleConnectionOf(hub)).timeout).toBe(allowanceMs);
      expect(hub.events).toEqual(['connection', 'GET', 'GET']);
      vi.setSystemTime(Date.now() + allowanceMs);
      await post(hub);

      expect(hub.events).toEqual(['connection', 'GET', 'GET', 'connection', 'POST']);
      await closedByClient(hub.sockets[0]!);
    }
  );

  it.each(['timeout=1', 'max=5, timeout=1'])('Keep-Alive: %s leaves no time: closed after the answer', async (keepAliveHeader) => {
    const hub = await startHub(60, { keepAliveHeader });
    await get(hub);
    await closedByClient(hub.sockets[0]!);
    await post(hub);

    expect(hub.events).toEqual(['connection', 'GET', 'connection', 'POST']);
  });

  it('keeps a connection that carried no answer for the longest idle time, as Node.js keeps it', async () => {
    // `agent.keepSocketAlive(socket)` is Node.js's public hook; its own version reads the answer's
    // hint only when there is an answer.
    const keepSocketAlive = hubAgents.http.keepSocketAlive.bind(hubAgents.http) as unknown as (socket: Socket) => boolean;
    const hub = await startHub(60, { hold: true });
    const request = rawGet(hub).on('error', () => undefined);
    const [unanswered] = (await once(request, 'socket')) as [Socket];
    const unused = new net.Socket();

    expect([keepSocketAlive(unanswered), keepSocketAlive(unused)]).toEqual([true, true]);
    expect([unanswered.timeout, unused.timeout]).toEqual([90_000, 90_000]);
    unused.destroy();
    request.destroy();
  });

  it('reuses HTTPS connections too', async () => {
    const hub = await startHub(60, { tls: true });
    const httpsGet = async () => bodyOf(https.get(hub.url, { agent: hubAgents.https, ca: loopbackCertificate.cert }));

    expect([await httpsGet(), await httpsGet()]).toEqual(['ok', 'ok']);
    expect(hub.events).toEqual(['connection', 'GET', 'GET']);
  });
});

describe('connections the hub closed', () => {
  it.each([
    { idle: 'pooled', closeRead: true },
    // The POST starts before the client's event loop has looked at that connection again.
    { idle: 'pooled', closeRead: false },
    { idle: 'opened ahead', closeRead: false },
  ])('sends the POST on a new connection when the hub closed the $idle idle one (close read: $closeRead)', async ({ idle, closeRead }) => {
    const hub = await startHub(60);
    if (idle === 'pooled') {
      await get(hub);
    }
    const [connection] = idle === 'pooled' ? [await idleConnectionOf(hub)] : await openAhead(hub, 1);
    await acceptedConnections(hub, 1);
    hub.sockets[0]?.destroy();
    if (closeRead) {
      await once(connection!, 'close');
    }

    expect((await post(hub)).status).toBe(200);
    expect(hub.events.filter((event) => event !== 'GET')).toEqual(['connection', 'connection', 'POST']);
  });

  it('sends the POST on the live idle connection when the hub closed the one idle since last', async () => {
    // Two requests at once, on two connections, answered one after the other: the second
    // connection is the one idle since last, the one a new request would take first.
    const hub = await startHub(60, { hold: true });
    const gets = Promise.all([get(hub), get(hub)]);
    await until(() => hub.held.length === 2);
    const [first, second] = hub.requestConnections[0] === 0 ? hub.held : hub.held.reverse();
    first?.end('ok');
    await until(() => idleConnections(hub).length === 1);
    second?.end('ok');
    await gets;
    await until(() => idleConnections(hub).length === 2);

    hub.sockets[1]?.destroy();
    const posted = post(hub);
    await until(() => hub.held.length === 3);
    hub.held[2]?.end('ok');
    expect((await posted).status).toBe(200);
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
  it('opens only what is missing (connections carrying a request, idle or opened ahead before count, not those to another origin), and hands them out', async () => {
    const other = await startHub(60);
    await get(other);
    openConnectionsAhead(other.url, 2);
    await acceptedConnections(other, 2);
    const hub = await startHub(60, { hold: true });
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

  it("does not hand out a connection opened ahead once it has read the hub's close", async () => {
    const hub = await startHub(60);
    const [spare] = await openAhead(hub, 1);
    await acceptedConnections(hub, 1);
    hub.sockets[0]?.end();
    await once(spare!, 'end');

    expect(await bodyOf(rawGet(hub))).toBe('ok');
    expect(hub.events).toEqual(['connection', 'connection', 'GET']);
  });

  it('keep the process running only while they carry a request, with no idle timer of their own', async () => {
    const hub = await startHub(60, { hold: true });
    const before = connectionsKeepingProcessAlive();
    const spares = await openAhead(hub, 2);
    await Promise.all(spares.map(async (spare) => once(spare, 'connect')));
    expect(connectionsKeepingProcessAlive()).toBe(before);

    const plain = rawGet(hub);
    // A request's own inactivity timeout only notifies ('timeout'), as Node.js documents.
    const timed = rawGet(hub, { timeout: 20 });
    await once(timed, 'timeout');
    await until(() => hub.held.length === 2);
    expect(connectionsKeepingProcessAlive()).toBe(before + 2);
    expect(plain.socket?.timeout).toBe(0);
    for (const response of hub.held) {
      response.end('ok');
    }

    expect([await bodyOf(plain), await bodyOf(timed)]).toEqual(['ok', 'ok']);
    expect(hub.events).toEqual(['connection', 'connection', 'GET', 'GET']);
  });

  it('opens connections to an IPv6 literal, and the request uses them', async () => {
    const hub = await startHub(60, { host: '::1' });
    const [spare] = await openAhead(hub, 1);
    await once(spare!, 'connect');
    await acceptedConnections(hub, 1);
    await get(hub);

    expect(hub.events).toEqual(['connection', 'GET']);
  });

  it('counts a TLS connection carrying a request, which the pool keys by its TLS options too', async () => {
    const hub = await startHub(60, { tls: true, hold: true });
    const accepted: Socket[] = [];
    hub.server.on('connection', (socket: Socket) => accepted.push(socket));
    https.get(hub.url, { agent: hubAgents.https, ca: loopbackCertificate.cert }).on('error', () => undefined);
    await until(() => hub.held.length === 1);
    openConnectionsAhead(hub.url, 2);
    // The hub accepts in order: connections opened before this one arrive before it.
    const marker = net.connect(Number(hub.url.port), '127.0.0.1');
    await once(marker, 'connect');
    await until(() => accepted.some((socket) => socket.remotePort === marker.localPort));

    expect(accepted.findIndex((socket) => socket.remotePort === marker.localPort)).toBe(2);
  });

  it('sends the TLS server name for a host name and none for an IP address', async () => {
    const hub = await startHub(60, { tls: true });
    const serverNames: unknown[] = [];
    // Connections opened ahead do not trust the test certificate: they hang up once they have seen it.
    hub.server.on('tlsClientError', (_error, socket: TLSSocket) => serverNames.push(socket.servername));
    openConnectionsAhead(new URL(`https://localhost:${hub.url.port}/keys`), 1);
    openConnectionsAhead(new URL(`https://127.0.0.1:${hub.url.port}/keys`), 1);
    await until(() => serverNames.length === 2);

    expect(serverNames.filter(Boolean)).toEqual(['localhost']);
  });
});

describe('before each request', () => {
  /** A pool of its own, with no connection of an earlier test in it. */
  const freshPool = async () => {
    vi.resetModules();
    return import('../../src/hub-connections.js');
  };

  /** Whether `action` settles before a turn of the event loop queued just before it. */
  const settlesWithinTurn = async (action: () => Promise<void>): Promise<boolean> => {
    let turned = false;
    const turn = setImmediate(() => {
      turned = true;
    });
    await action();
    clearImmediate(turn);
    return !turned;
  };

  it('costs no turn of the event loop when no connection is idle', async () => {
    const { dropStaleConnections } = await freshPool();

    expect(await settlesWithinTurn(dropStaleConnections)).toBe(true);
  });

  it('costs no turn of the event loop once the connection opened ahead carries a request', async () => {
    const { dropStaleConnections, hubAgents: agents, openConnectionsAhead: openAheadIn } = await freshPool();
    const hub = await startHub(60, { hold: true });
    openAheadIn(hub.url, 1);
    await acceptedConnections(hub, 1);
    expect(await settlesWithinTurn(dropStaleConnections)).toBe(false);
    http.get(hub.url, { agent: agents.http }).on('error', () => undefined);
    await until(() => hub.held.length === 1);

    expect(hub.sockets).toHaveLength(1);
    expect(await settlesWithinTurn(dropStaleConnections)).toBe(true);
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
    const hub = await startHub(60, { hold: true });
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

  /** A POST of `largeForm`'s size through the hub agent, in the charge of {@link takeChargeOfConnection}. */
  const rawLargePost = (hub: { url: URL }) => {
    const request = http.request(hub.url, { method: 'POST', agent: hubAgents.http, headers: { 'content-length': largeForm.code.length } });
    request.on('error', () => undefined);
    takeChargeOfConnection(request);
    request.end(largeForm.code);
    return request;
  };

  /** Resolves once the whole answer to `request` has been read. */
  const answerRead = async (request: http.ClientRequest) => {
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    response.resume();
    await once(response, 'end');
  };

  it('is closed at once when the request is destroyed before its answer is in', async () => {
    const hub = await startEarlyAnsweringHub();
    const request = rawLargePost(hub);
    await once(request, 'socket');
    request.destroy();

    expect(request.destroyed).toBe(true);
  });

  it('is closed at once when the hub said it closes the connection', async () => {
    const hub = await startEarlyAnsweringHub('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}');
    const request = rawLargePost(hub);
    await answerRead(request);
    request.destroy();

    expect(request.writableFinished).toBe(false);
    expect(request.destroyed).toBe(true);
  });

  it('is closed at once when the request is destroyed with an error, which it reports', async () => {
    const hub = await startEarlyAnsweringHub();
    const request = rawLargePost(hub);
    const failure = new Error('given up');
    const reported = once(request, 'error');
    await answerRead(request);
    request.destroy(failure);

    expect(request.writableFinished).toBe(false);
    expect(request.destroyed).toBe(true);
    expect(await reported).toEqual([failure]);
  });

  it('goes quietly when its connection fails while the last bytes of a request nobody waits for go out', async () => {
    const hub = await startEarlyAnsweringHub();
    const request = rawLargePost(hub);
    await answerRead(request);
    expect(request.writableFinished).toBe(false);
    // Nobody listens to the request any more; an 'error' nobody listens to would be thrown.
    request.removeAllListeners('error');
    request.destroy();
    // Not `once`, which would listen to 'error' itself.
    const closed = new Promise((resolve) => request.once('close', resolve));
    hub.sockets[0]?.resetAndDestroy();
    await closed;

    expect(request.destroyed).toBe(true);
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
