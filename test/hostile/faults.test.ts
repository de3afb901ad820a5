/**
 * Faults of a real server on 127.0.0.1 at the token and at the userinfo endpoint: each sign-in
 * ends in a coded `ConnectorError`, within the step's time limit, with memory bounded and no secret
 * in the error. Time is the fake clock (`test/support/fake-clock.ts`): it stands still while a
 * request and its answer are on their way, so the times measured are exact however busy the
 * machine. Redirects, a `content-length` over the cap and 101 are refused at the unit level
 * (`test/unit/token.test.ts`, `transport.test.ts`, `transport-sockets.test.ts`).
 */
import { type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it, vi } from 'vitest';

import {
  noAnswerComing,
  type SettledOnFakeClock,
  settleOnFakeClock,
  useFakeClock,
} from '../support/fake-clock.js';
import { clientId, expectConnectorError, startSignIn } from '../support/kit.js';

import { responseCapBytes, userInfoRetries } from './properties/model.js';
import {
  builtConnector,
  distinctive,
  leakedSecrets,
  type RequestHandler,
  sendAnswer,
  useLoopbackServer,
} from './support.js';

// The connector waits before a retry with this timer API: on the fake clock, which lets each wait
// pass at once.
vi.mock('node:timers/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:timers/promises')>();
  const { fakeSleep } = await import('../support/fake-clock.js');
  return { ...actual, setTimeout: fakeSleep };
});

const requestTimeoutMs = 500;

/** README: a step ends within three times `requestTimeoutMs`, retries included. */
const stepTimeMs = 3 * requestTimeoutMs;

/** Growth of the process's memory a fault may cause; the 50 MB bodies must not be held. */
const memoryBoundBytes = 30 * 1024 * 1024;

/** Where the fake clock stands when each sign-in starts. */
const clockStart = Date.UTC(2026, 10, 25, 12, 0, 0);

const stage = useLoopbackServer();

/** Samples the process's memory until the returned function is called, which says the peak growth. */
const watchMemory = () => {
  const heapOf = (usage: NodeJS.MemoryUsage) => usage.heapUsed + usage.arrayBuffers;
  const before = process.memoryUsage();
  const peak = { rss: before.rss, heap: heapOf(before) };
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heap = Math.max(peak.heap, heapOf(now));
  }, 5);
  return () => {
    clearInterval(sampler);
    return Math.max(peak.rss - before.rss, peak.heap - heapOf(before));
  };
};

/**
 * Runs a whole sign-in in which the endpoint at `path` misbehaves as `fault` says and the other
 * answers; checks the failure's code, message, time, memory and secrecy, and returns how many
 * requests reached the faulty endpoint.
 */
const signInWithFault = async (
  path: string,
  fault: RequestHandler,
  expected: { code: ConnectorErrorCodes; message: string; minElapsedMs?: number }
): Promise<number> => {
  const hub = stage.server;
  const clientSecret = distinctive('secret');
  const code = distinctive('code');
  const [accessToken, refreshToken] = [distinctive('access'), distinctive('refresh')];
  const tokens = { access_token: accessToken, token_type: 'bearer', refresh_token: refreshToken };
  const config = { clientId, clientSecret, hubUrl: hub.url, requestTimeoutMs };
  const signIn = await startSignIn({ connector: await builtConnector(config), hubUrl: hub.url });
  hub.requests.length = 0;
  hub.handle((request, response) => {
    if (request.path === path) {
      fault(request, response);
    } else {
      const body = request.path === '/oauth/token' ? tokens : { sub: 'fault-user', name: 'Fault Tester' };
      sendAnswer(response, { status: 200, body });
    }
  });

  const memoryGrowth = watchMemory();
  useFakeClock(clockStart);
  let settled: SettledOnFakeClock<unknown>;
  try {
    settled = await settleOnFakeClock(signIn.finish({ ...signIn.signInPagePost, code }));
  } finally {
    vi.useRealTimers();
  }
  const { at, outcome } = settled;
  const rejection = outcome.status === 'rejected' ? Promise.reject(outcome.reason as Error) : Promise.resolve();

  const error = await expectConnectorError(rejection, expected.code, expected.message);
  const secrets = { clientSecret, code, accessToken, refreshToken, codeVerifier: signIn.codeVerifier };
  expect(leakedSecrets(error, secrets)).toEqual([]);
  expect(at - clockStart).toBeLessThanOrEqual(stepTimeMs);
  expect(at - clockStart).toBeGreaterThanOrEqual(expected.minElapsedMs ?? 0);
  expect(memoryGrowth()).toBeLessThan(memoryBoundBytes);
  return hub.requests.filter((request) => request.path === path).length;
};

/** Streams `totalBytes` of filler, honouring backpressure; says how much was sent once the response closed. */
const streamFiller = async (response: ServerResponse, totalBytes: number): Promise<number> => {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const chunks = function* () {
    for (; sent < totalBytes; sent += chunk.length) {
      yield chunk;
    }
  };
  // The client hanging up ends the pipeline with an error: what is measured is how far it got.
  await pipeline(Readable.from(chunks()), response).catch(() => undefined);
  return sent;
};

/** Sends the start of a body and resets the connection. */
const resetMidBody: RequestHandler = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  response.write('{"access_token":"cut-short","token_type":"bea');
  setImmediate(() => response.socket?.destroy());
};

/** Claims 10 bytes and sends more, raw: Node's server refuses a body that differs from its content-length. */
const lyingContentLength: RequestHandler = (_request, response) => {
  response.socket?.write(
    'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n' +
      '{"access_token":"smuggled","token_type":"bearer","sub":"smuggled-user"}'
  );
};

describe.each([
  // The token POST is never retried; userinfo is, on network errors (README).
  { endpoint: 'token', path: '/oauth/token', retries: 0 },
  { endpoint: 'userinfo', path: '/oauth/userinfo', retries: userInfoRetries },
])('a faulty $endpoint endpoint', ({ endpoint, path, retries }) => {
  const named = (what: string) => `${endpoint} endpoint (${stage.server.url}) ${what}`;

  it('that accepts the connection and never answers', async () => {
    const attempts = await signInWithFault(path, () => noAnswerComing(), {
      code: ConnectorErrorCodes.General,
      message: named('did not answer in time'),
      // Userinfo retries until the step's deadline; two attempts and both backoffs fit in it.
      minElapsedMs: retries === 0 ? requestTimeoutMs : stepTimeMs,
    });

    expect(attempts).toBe(retries === 0 ? 1 : 2);
  });

  it('that sends the body at 1 byte per second', async () => {
    const slowBody: RequestHandler = (_request, response) => {
      const body = '{"access_token":"never-finished","token_type":"bearer"}';
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      let sent = 0;
      const sendByte = () => response.write(body.charAt(sent++));
      sendByte();
      // The body will take longer than an attempt may: the attempt's time can run out.
      noAnswerComing();
      const timer = setInterval(sendByte, 1000);
      response.on('close', () => clearInterval(timer));
    };

    await signInWithFault(path, slowBody, {
      code: ConnectorErrorCodes.General,
      message: named('did not answer in time'),
      minElapsedMs: requestTimeoutMs,
    });
  });

  it.each([
    { fault: 'resets the connection mid-body', handler: resetMidBody, reason: 'could not be reached' },
    // Node's parser reads the bytes after the declared body as the next answer and rejects them.
    { fault: 'claims 10 bytes and sends more', handler: lyingContentLength, reason: 'could not be reached (HPE' },
  ])('that $fault', async ({ handler, reason }) => {
    const attempts = await signInWithFault(path, handler, {
      code: ConnectorErrorCodes.General,
      message: named(reason),
    });

    expect(attempts).toBe(1 + retries);
  });

  it.each(['chunked', 'content-length'])('that sends 50 MB (%s): cut at 1 MiB, not again', async (framing) => {
    const totalBytes = 50 * responseCapBytes;
    let served: Promise<number> | undefined;
    const attempts = await signInWithFault(
      path,
      (_request, response) => {
        const length = framing === 'content-length' ? { 'content-length': String(totalBytes) } : {};
        response.writeHead(200, { 'content-type': 'application/json', ...length });
        served = streamFiller(response, totalBytes);
      },
      { code: ConnectorErrorCodes.InvalidResponse, message: `${endpoint} endpoint is too large (body over 1048576` }
    );

    // The server sees the client hang up when it sees it, however busy the machine.
    expect(await served).toBeLessThan(totalBytes / 2);
    expect(attempts).toBe(1);
  });
});
