/**
 * Faults from a real server on 127.0.0.1, at the token endpoint and at the userinfo endpoint:
 * each sign-in must end in a coded `ConnectorError`, within the step's time limit, with memory
 * bounded, no secret in the error, and no credential sent anywhere but the hub. Time is a fake
 * clock that stands still while a request and its answer are on their way, and runs out an
 * attempt only once the server has shown it will not answer in full: the times measured are
 * exact, however busy the machine.
 */
import { type ServerResponse } from 'node:http';

import { ConnectorError, ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import {
  noAnswerComing,
  type SettledOnFakeClock,
  settleOnFakeClock,
  useFakeClock,
} from '../support/fake-clock.js';

import {
  createConnectorUnderTest,
  distinctive,
  drainEventLoop,
  leakedSecrets,
  type LoopbackServer,
  type RecordedRequest,
  type RejectionWatch,
  startLoopbackServer,
  startSignIn,
  watchUnhandledRejections,
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

/** README: userinfo is retried twice on network errors, 429 and 5xx. */
const userInfoRetries = 2;

/** Growth of the process's memory a fault may cause; the 50 MB bodies must not be held. */
const memoryBoundBytes = 30 * 1024 * 1024;

/** README: bodies are cut at 1 MiB; the message names the cap in bytes. */
const mebibyte = 1024 * 1024;

type Endpoint = 'token' | 'userinfo';

const endpointPath: Record<Endpoint, string> = {
  token: '/oauth/token',
  userinfo: '/oauth/userinfo',
};

/** What a step is called in the connector's messages. */
const endpointName: Record<Endpoint, string> = {
  token: 'token endpoint',
  userinfo: 'userinfo endpoint',
};

type FaultHandler = (request: RecordedRequest, response: ServerResponse) => void;

/** Where the fake clock stands when each sign-in starts. */
const clockStart = Date.UTC(2026, 10, 25, 12, 0, 0);

let hub: LoopbackServer;
let elsewhere: LoopbackServer;
let connector: SocialConnector;
let useConfig: (config: unknown) => void;
let rejections: RejectionWatch;

beforeAll(async () => {
  rejections = watchUnhandledRejections();
  hub = await startLoopbackServer();
  elsewhere = await startLoopbackServer();
  elsewhere.handle((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ access_token: 'stolen', token_type: 'bearer', sub: 'stolen' }));
  });
  ({ connector, useConfig } = await createConnectorUnderTest());
});

afterAll(async () => {
  rejections.stop();
  await Promise.all([hub.close(), elsewhere.close()]);
});

type FaultRun = {
  error: unknown;
  elapsedMs: number;
  /** Peak growth of the resident set while the sign-in ran. */
  rssGrowth: number;
  /** Peak growth of the JavaScript heap plus array buffers while the sign-in ran. */
  heapGrowth: number;
  secrets: Record<string, string>;
  /** Requests that reached the faulty endpoint. */
  attempts: number;
};

/**
 * Runs a full sign-in in which one endpoint misbehaves and the other answers correctly.
 */
const signInWithFault = async (endpoint: Endpoint, fault: FaultHandler): Promise<FaultRun> => {
  const secrets = {
    clientSecret: distinctive('secret'),
    code: distinctive('code'),
    accessToken: distinctive('access'),
    refreshToken: distinctive('refresh'),
  };
  useConfig({
    clientId: 'hf-fault-client',
    clientSecret: secrets.clientSecret,
    hubUrl: hub.url,
    requestTimeoutMs,
  });
  const signIn = await startSignIn(connector);
  hub.requests.length = 0;
  elsewhere.requests.length = 0;
  hub.handle((request, response) => {
    if (request.path === endpointPath[endpoint]) {
      fault(request, response);
    } else if (request.path === endpointPath.token) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          access_token: secrets.accessToken,
          token_type: 'bearer',
          expires_in: 28_800,
          refresh_token: secrets.refreshToken,
        })
      );
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ sub: 'fault-user', name: 'Fault Tester' }));
    }
  });

  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed + before.arrayBuffers;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed + now.arrayBuffers);
  }, 5);
  useFakeClock(clockStart);
  let settled: SettledOnFakeClock<unknown>;
  try {
    settled = await settleOnFakeClock(
      connector.getUserInfo({ code: secrets.code }, signIn.store.getSession)
    );
  } finally {
    vi.useRealTimers();
    clearInterval(sampler);
  }
  const { at, outcome } = settled;

  return {
    error: outcome.status === 'rejected' ? outcome.reason : undefined,
    elapsedMs: at - clockStart,
    rssGrowth: peakRss - before.rss,
    heapGrowth: peakHeap - (before.heapUsed + before.arrayBuffers),
    secrets: { ...secrets, codeVerifier: signIn.codeVerifier },
    attempts: hub.requests.filter((request) => request.path === endpointPath[endpoint]).length,
  };
};

/** The checks every fault shares: code, message, time, memory, secrecy. */
const expectConnectorFailure = (
  run: FaultRun,
  expected: { code: ConnectorErrorCodes; fragment: string; minElapsedMs?: number }
) => {
  expect(run.error).toBeInstanceOf(ConnectorError);
  const error = run.error as ConnectorError;
  expect(error.code).toBe(expected.code);
  expect(error.message).toContain(expected.fragment);
  expect(leakedSecrets(error, run.secrets)).toEqual([]);
  expect(run.elapsedMs).toBeLessThanOrEqual(stepTimeMs);
  expect(run.elapsedMs).toBeGreaterThanOrEqual(expected.minElapsedMs ?? 0);
  expect(run.rssGrowth).toBeLessThan(memoryBoundBytes);
  expect(run.heapGrowth).toBeLessThan(memoryBoundBytes);
};

/** Attempts a step makes when every attempt fails at the transport: only userinfo retries. */
const attemptsOnTransportFailure = (endpoint: Endpoint) =>
  endpoint === 'token' ? 1 : 1 + userInfoRetries;

/**
 * Streams `totalBytes` of filler, honouring backpressure, and reports how far it got.
 *
 * @returns Resolves once the response is closed, by the client or after the last byte.
 */
const streamFiller = async (
  response: ServerResponse,
  totalBytes: number,
  progress: { sent: number; closedEarly: boolean }
): Promise<void> => {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const closed = new Promise<void>((resolve) => {
    response.on('close', () => {
      progress.closedEarly = progress.sent < totalBytes;
      resolve();
    });
  });
  const pump = () => {
    while (progress.sent < totalBytes && !response.destroyed) {
      const size = Math.min(chunk.length, totalBytes - progress.sent);
      progress.sent += size;
      if (!response.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
        response.once('drain', pump);
        return;
      }
    }
    if (progress.sent >= totalBytes) {
      response.end();
    }
  };
  pump();
  return closed;
};

const endpoints: Endpoint[] = ['token', 'userinfo'];

describe('faults from a real server', () => {
  it.each(endpoints)('a %s endpoint that accepts the connection and never answers', async (endpoint) => {
    const run = await signInWithFault(endpoint, () => {
      noAnswerComing();
    });

    expectConnectorFailure(run, {
      code: ConnectorErrorCodes.General,
      fragment: `${endpointName[endpoint]} (${hub.url}) did not answer in time`,
      // The token request is never retried; userinfo retries until the step's deadline.
      minElapsedMs: endpoint === 'token' ? requestTimeoutMs : stepTimeMs,
    });
    // A POST is never repeated; userinfo fits two attempts and both backoffs into its deadline.
    expect(run.attempts).toBe(endpoint === 'token' ? 1 : 2);
  });

  it.each(endpoints)('a %s endpoint that sends the body at 1 byte per second', async (endpoint) => {
    const timers = new Set<NodeJS.Timeout>();
    const run = await signInWithFault(endpoint, (_request, response) => {
      const body = Buffer.from('{"access_token":"never-finished","token_type":"bearer"}');
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(body.length),
      });
      response.write(body.subarray(0, 1));
      let sent = 1;
      // The body will take longer than an attempt may: the attempt's time can run out.
      noAnswerComing();
      const timer = setInterval(() => {
        if (response.destroyed || sent >= body.length) {
          clearInterval(timer);
          return;
        }
        response.write(body.subarray(sent, sent + 1));
        sent += 1;
      }, 1000);
      timers.add(timer);
      response.on('close', () => clearInterval(timer));
    });
    for (const timer of timers) {
      clearInterval(timer);
    }

    expectConnectorFailure(run, {
      code: ConnectorErrorCodes.General,
      fragment: `${endpointName[endpoint]} (${hub.url}) did not answer in time`,
      minElapsedMs: requestTimeoutMs,
    });
  });

  it.each(endpoints)('a %s endpoint that resets the connection mid-body', async (endpoint) => {
    const run = await signInWithFault(endpoint, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"access_token":"cut-short","token_type":"bea');
      setImmediate(() => response.socket?.destroy());
    });

    expectConnectorFailure(run, {
      code: ConnectorErrorCodes.General,
      fragment: `${endpointName[endpoint]} (${hub.url}) could not be reached`,
    });
    expect(run.attempts).toBe(attemptsOnTransportFailure(endpoint));
  });

  it.each([
    { endpoint: 'token' as const, framing: 'chunked' },
    { endpoint: 'token' as const, framing: 'content-length' },
    { endpoint: 'userinfo' as const, framing: 'chunked' },
    { endpoint: 'userinfo' as const, framing: 'content-length' },
  ])('a 50 MB body from the $endpoint endpoint ($framing) is cut at 1 MiB', async ({
    endpoint,
    framing,
  }) => {
    const totalBytes = 50 * mebibyte;
    const progress = { sent: 0, closedEarly: false };
    let served: Promise<void> | undefined;
    const run = await signInWithFault(endpoint, (_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        ...(framing === 'content-length' && { 'content-length': String(totalBytes) }),
      });
      served = streamFiller(response, totalBytes, progress);
    });
    // The server sees the client hang up when it sees it, however busy the machine.
    await served;

    expectConnectorFailure(run, {
      code: ConnectorErrorCodes.InvalidResponse,
      fragment: `from ${endpointName[endpoint]} is too large (body over ${mebibyte} bytes)`,
    });
    // The client hung up long before the end; a body over the cap is not fetched again.
    expect(progress.closedEarly).toBe(true);
    expect(progress.sent).toBeLessThan(totalBytes / 2);
    expect(run.attempts).toBe(1);
  });

  it.each([
    { endpoint: 'token' as const, status: 302 },
    { endpoint: 'token' as const, status: 307 },
    { endpoint: 'userinfo' as const, status: 302 },
    { endpoint: 'userinfo' as const, status: 307 },
  ])('a $status from the $endpoint endpoint to another server is not followed', async ({
    endpoint,
    status,
  }) => {
    const run = await signInWithFault(endpoint, (_request, response) => {
      response.writeHead(status, { location: `${elsewhere.url}${endpointPath[endpoint]}` });
      response.end();
    });
    await drainEventLoop();

    expectConnectorFailure(run, {
      code: ConnectorErrorCodes.General,
      fragment: `${endpointName[endpoint]} answered with a redirect (${status})`,
    });
    // The code, the verifier, the client credentials and the access token never left the hub.
    expect(elsewhere.requests).toHaveLength(0);
    expect(run.attempts).toBe(1);
  });

  describe('valid JSON of 5 MB', () => {
    const size = 5 * mebibyte;
    const depth = size / 2;
    const bodies = {
      nesting: Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`),
      whitespace: Buffer.from(
        `{"access_token":"padded","sub":"padded",${' '.repeat(size - 64)}"token_type":"bearer"}`
      ),
    };

    it.each([
      { endpoint: 'token' as const, shape: 'nesting' as const },
      { endpoint: 'token' as const, shape: 'whitespace' as const },
      { endpoint: 'userinfo' as const, shape: 'nesting' as const },
      { endpoint: 'userinfo' as const, shape: 'whitespace' as const },
    ])('from the $endpoint endpoint ($shape) is refused unparsed', async ({ endpoint, shape }) => {
      const run = await signInWithFault(endpoint, (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write(bodies[shape].subarray(0, 2 * mebibyte));
        response.end(bodies[shape].subarray(2 * mebibyte));
      });

      expect(bodies[shape].length).toBeGreaterThanOrEqual(size - 64);
      expectConnectorFailure(run, {
        code: ConnectorErrorCodes.InvalidResponse,
        fragment: `answer from ${endpointName[endpoint]} is too large`,
      });
    });
  });

  describe('a content-length header that lies', () => {
    /** Writes a raw answer: Node's server refuses a body that differs from its content-length. */
    const rawAnswer =
      (contentLength: number, body: string) =>
      (_request: RecordedRequest, response: ServerResponse) => {
        response.socket?.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n' +
            `content-length: ${contentLength}\r\n\r\n${body}`
        );
      };

    it.each(endpoints)('a %s answer claiming 10 bytes and sending more', async (endpoint) => {
      const body =
        endpoint === 'token'
          ? '{"access_token":"smuggled","token_type":"bearer"}'
          : '{"sub":"smuggled-user","name":"Smuggled"}';
      const run = await signInWithFault(endpoint, rawAnswer(10, body));

      // Node's parser reads the bytes after the declared body as the next answer and rejects them.
      expectConnectorFailure(run, {
        code: ConnectorErrorCodes.General,
        fragment: `${endpointName[endpoint]} (${hub.url}) could not be reached (HPE_`,
      });
      expect(run.attempts).toBe(attemptsOnTransportFailure(endpoint));
    });

    it.each(endpoints)('a %s answer claiming 2 MB is refused from its header', async (endpoint) => {
      const run = await signInWithFault(endpoint, rawAnswer(2 * 1000 * 1000, '{"sub":"x"'));

      expectConnectorFailure(run, {
        code: ConnectorErrorCodes.InvalidResponse,
        fragment: `answer from ${endpointName[endpoint]} is too large`,
      });
      // Refused on the header alone: no waiting for the 2 MB that never come.
      expect(run.elapsedMs).toBeLessThan(requestTimeoutMs);
      expect(run.attempts).toBe(1);
    });
  });

  it.each(endpoints)('a %s endpoint that switches protocols (101) fails at once', async (endpoint) => {
    const run = await signInWithFault(endpoint, (_request, response) => {
      response.socket?.write(
        'HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: hostile\r\n\r\n'
      );
    });

    expectConnectorFailure(run, {
      code: ConnectorErrorCodes.General,
      fragment: `${endpointName[endpoint]} (${hub.url}) could not be reached (unexpected protocol upgrade`,
    });
    expect(run.attempts).toBe(attemptsOnTransportFailure(endpoint));
  });

  it('left no unhandled rejection', async () => {
    await drainEventLoop();
    expect(rejections.seen).toEqual([]);
  });
});
