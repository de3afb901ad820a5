/**
 * When a request's connection goes back to the pool, against a real loopback server that counts
 * the connections it accepts. The transport documents it: a hub may answer in full before it has
 * read all of the request (or before the request's last bytes were reported written), and Node.js then hands the
 * connection back to the agent once the request's last bytes are out (its `'finish'`), not at
 * the answer's end; the transport does not close such a connection when it is done with the
 * answer, and waits for it to go back to the pool before it returns, so the next request finds
 * it free. If the request's last bytes cannot go out within the attempt's time limit, the answer
 * is still returned and the connection is closed.
 */
import dc from 'node:diagnostics_channel';
import { once } from 'node:events';
import type http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { sendRequest } from '../../src/http.js';

import { until } from './hub-fixtures.js';

/** A form field large enough that no loopback socket buffers hold it (they hold a few MiB). */
const largeFieldBytes = 32 * 1024 * 1024;

/**
 * A hub that answers each request as soon as it has read its headers, then reads the body only
 * when the test lets it (`readBodies`): until then the client cannot finish sending.
 */
type EarlyAnsweringHub = {
  url: URL;
  /** Connections accepted, in order. */
  sockets: Socket[];
  /** Each request's method and path, in order. */
  requests: string[];
  /** Lets the hub read the bodies it holds back, now and from then on. */
  readBodies: () => void;
};

const servers: net.Server[] = [];
const accepted: Socket[] = [];

// The attempts' time limits run on a fake clock: they pass only when a test moves it.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});

afterEach(() => {
  vi.useRealTimers();
  for (const server of servers.splice(0)) {
    server.close();
  }
  for (const socket of accepted.splice(0)) {
    socket.destroy();
  }
});

const startEarlyAnsweringHub = async (): Promise<EarlyAnsweringHub> => {
  const sockets: Socket[] = [];
  const requests: string[] = [];
  let reading = false;
  const waiting = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.push(socket);
    accepted.push(socket);
    let buffered = Buffer.alloc(0);
    let bodyLeft = 0;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (bodyLeft > 0) {
          const taken = Math.min(bodyLeft, buffered.length);
          bodyLeft -= taken;
          buffered = buffered.subarray(taken);
          if (bodyLeft > 0) {
            return;
          }
        }
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) {
          return;
        }
        const head = buffered.subarray(0, end).toString('latin1');
        buffered = buffered.subarray(end + 4);
        const [requestLine = ''] = head.split('\r\n');
        requests.push(requestLine.split(' ').slice(0, 2).join(' '));
        bodyLeft = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
        if (bodyLeft > buffered.length && !reading) {
          // Answered in full; the rest of the body stays unread until the test says so.
          socket.pause();
          waiting.add(socket);
        }
      }
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/oauth/token`),
    sockets,
    requests,
    readBodies() {
      reading = true;
      for (const socket of waiting) {
        socket.resume();
      }
      waiting.clear();
    },
  };
};

/** Calls `onAnswered` once the client has read a whole answer from `hub`, with the request it answered. */
const whenAnswered = (hub: EarlyAnsweringHub, onAnswered: (request: http.ClientRequest) => void) => {
  const listener = (message: unknown) => {
    const { request, response } = message as { request: http.ClientRequest; response: http.IncomingMessage };
    if (request.getHeader('host') === hub.url.host) {
      dc.unsubscribe('http.client.response.finish', listener);
      response.once('end', () => {
        onAnswered(request);
      });
    }
  };
  dc.subscribe('http.client.response.finish', listener);
};

const attemptTimeoutMs = 5000;

const largePost = async (hub: EarlyAnsweringHub) =>
  sendRequest({ method: 'POST', url: hub.url, form: { code: 'x'.repeat(largeFieldBytes) }, timeoutMs: attemptTimeoutMs });

const plainGet = async (hub: EarlyAnsweringHub) =>
  sendRequest({ method: 'GET', url: hub.url, timeoutMs: attemptTimeoutMs, retries: 2 });

describe('a connection whose answer came before the request was all sent', () => {
  it('goes back to the pool once the request is sent, and the next request takes it', async () => {
    const hub = await startEarlyAnsweringHub();
    let sentWhenAnswered: boolean | undefined;
    whenAnswered(hub, (request) => {
      sentWhenAnswered = request.writableFinished;
      hub.readBodies();
    });

    const answer = await largePost(hub);
    await plainGet(hub);

    // What makes this case: the whole answer was in before the request was all sent.
    expect(sentWhenAnswered).toBe(false);
    expect(answer).toEqual({ status: 200, body: '{}' });
    expect(hub.requests).toEqual(['POST /oauth/token', 'GET /oauth/token']);
    expect(hub.sockets).toHaveLength(1);
  });

  it('is closed when the request cannot be sent within the attempt, and the answer is returned', async () => {
    const hub = await startEarlyAnsweringHub();
    let connection: Socket | undefined;
    whenAnswered(hub, (request) => {
      connection = request.socket ?? undefined;
    });

    const pending = largePost(hub);
    await until(() => connection !== undefined);
    vi.advanceTimersByTime(attemptTimeoutMs);
    const answer = await pending;

    expect(answer).toEqual({ status: 200, body: '{}' });
    await until(() => connection?.destroyed === true);
    hub.readBodies();
    await plainGet(hub);
    expect(hub.sockets).toHaveLength(2);
  });
});
