/**
 * Faults of a real server on 127.0.0.1 at the token and at the userinfo endpoint: each sign-in
 * ends in a coded `ConnectorError`, within the step's time limit, with memory bounded and no secret
 * in the error. Time is the fake clock (`test/support/fake-clock.ts`): it stands still while a
 * request and its answer are on their way, so the times measured are exact however busy the
 * machine. Redirects, a `content-length` over the cap and 101 are refused at the unit level
 * (`test/unit/token.test.ts`, `transport.test.ts`, `transport-sockets.test.ts`).
 */
import { type ServerResponse } from 'node:http';

import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it, vi } from 'vitest';

import {
  noAnswerComing,
  type SettledOnFakeClock,
  settleOnFakeClock,
  useFakeClock,
} from '../support/fake-clock.js';
import { clientId, startSignIn } from '../support/kit.js';

import { responseCapBytes, userInfoRetries } from './properties/model.js';
import {
  builtConnector,
  distinctive,
  leakedSecrets,
  type RequestHandler,
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

const endpoints = {
  token: { path: '/oauth/token', name: 'token endpoint', attemptsOnTransportFailure: 1 },
  // README: userinfo is retried on network errors; the token POST never is.
  userinfo: {
    path: '/oauth/userinfo',
    name: 'userinfo endpoint',
    attemptsOnTransportFailure: 1 + userInfoRetries,
  },
} as const;

type Endpoint = keyof typeof endpoints;

const stage = useLoopbackServer();

type FaultRun = {
  error: unknown;
  elapsedMs: number;
  /** Peak growth of the resident set, and of the JavaScript heap plus array buffers. */
  rssGrowth: number;
  heapGrowth: number;
  secrets: Record<string, string>;
  /** Requests that reached the faulty endpoint. */
  attempts: number;
};

/** Runs a whole sign-in in which `endpoint` misbehaves as `fault` says and the other answers. */
const signInWithFault = async (endpoint: Endpoint, fault: RequestHandler): Promise<FaultRun> => {
  const hub = stage.server;
  const secrets = {
    clientSecret: distinctive('secret'),
    code: distinctive('code'),
    accessToken: distinctive('access'),
    refreshToken: distinctive('refresh'),
  };
  const connector = await builtConnector({
    clientId,
    clientSecret: secrets.clientSecret,
    hubUrl: hub.url,
    requestTimeoutMs,
  });
  const signIn = await startSignIn({ connector, hubUrl: hub.url });
  hub.requests.length = 0;
  hub.handle((request, response) => {
    if (request.path === endpoints[endpoint].path) {
      fault(request, response);
      return;
    }
    const answer =
      request.path === endpoints.token.path
        ? {
            access_token: secrets.accessToken,
            token_type: 'bearer',
            expires_in: 28_800,
            refresh_token: secrets.refreshToken,
          }
        : { sub: 'fault-user', name: 'Fault Tester' };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer));
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
    settled = await settleOnFakeClock(signIn.finish({ ...signIn.signInPagePost, code: secrets.code }));
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
    attempts: hub.requests.filter((request) => request.path === endpoints[endpoint].path).length,
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

const endpointNames = Object.keys(endpoints) as Endpoint[];

describe('faults from a real server', () => {
  it.each(endpointNames)('a %s endpoint that accepts the connection and never answers', async (endpoint) => {
    const run = await signInWithFault(endpoint, () => {
      noAnswerComing();
    });

    expectConnectorFailure(run, {
      code: ConnectorErrorCodes.General,
      fragment: `${endpoints[endpoint].name} (${stage.server.url}) did not answer in time`,
      // The token request is never retried; userinfo retries until the step's deadline.
      minElapsedMs: endpoint === 'token' ? requestTimeoutMs : stepTimeMs,
    });
    // A POST is never repeated; userinfo fits two attempts and both backoffs into its deadline.
    expect(run.attempts).toBe(endpoint === 'token' ? 1 : 2);
  });

  it.each(endpointNames)('a %s endpoint that sends the body at 1 byte per second', async (endpoint) => {
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
      fragment: `${endpoints[endpoint].name} (${stage.server.url}) did not answer in time`,
      minElapsedMs: requestTimeoutMs,
    });
  });

  it.each(endpointNames)('a %s endpoint that resets the connection mid-body', async (endpoint) => {
    const run = await signInWithFault(endpoint, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"access_token":"cut-short","token_type":"bea');
      setImmediate(() => response.socket?.destroy());
    });

    expectConnectorFailure(run, {
      code: ConnectorErrorCodes.General,
      fragment: `${endpoints[endpoint].name} (${stage.server.url}) could not be reached`,
    });
    expect(run.attempts).toBe(endpoints[endpoint].attemptsOnTransportFailure);
  });

  it.each(endpointNames)('a %s answer claiming 10 bytes and sending more', async (endpoint) => {
    const body =
      endpoint === 'token'
        ? '{"access_token":"smuggled","token_type":"bearer"}'
        : '{"sub":"smuggled-user","name":"Smuggled"}';
    const run = await signInWithFault(endpoint, (_request, response) => {
      // Raw: Node's server refuses a body that differs from its content-length.
      response.socket?.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n${body}`
      );
    });

    // Node's parser reads the bytes after the declared body as the next answer and rejects them.
    expectConnectorFailure(run, {
      code: ConnectorErrorCodes.General,
      fragment: `${endpoints[endpoint].name} (${stage.server.url}) could not be reached (HPE_`,
    });
    expect(run.attempts).toBe(endpoints[endpoint].attemptsOnTransportFailure);
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
    const totalBytes = 50 * responseCapBytes;
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
      fragment: `from ${endpoints[endpoint].name} is too large (body over 1048576 bytes)`,
    });
    // The client hung up long before the end; a body over the cap is not fetched again.
    expect(progress.closedEarly).toBe(true);
    expect(progress.sent).toBeLessThan(totalBytes / 2);
    expect(run.attempts).toBe(1);
  });
});
