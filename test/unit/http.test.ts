/**
 * The transport as SECURITY.md documents it: retries, `Retry-After` (RFC 9110 §10.2.3), time
 * limits and the 1 MiB cap. The fake clock stands still while a request and its answer are on
 * their way: every time measured here is exact.
 */
import { type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

import { ConnectorErrorCodes } from '@logto/connector-kit';
import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { sendRequest, TransportError } from '../../src/http.js';
import { settleOnFakeClock, useFakeClock } from '../support/fake-clock.js';
import {
  expectConnectorError,
  isolateNetwork,
  type ScriptedAnswer,
  script,
  signInUpToUserInfo,
  type StartedSignIn,
  startSignIn,
  tokenEndpoint,
  userId,
  userInfoEndpoint,
} from '../support/kit.js';

import { post, startHub } from './hub-fixtures.js';

isolateNetwork();

// The connector waits before a retry with this timer API: on the fake clock, which lets each wait
// pass at once.
vi.mock('node:timers/promises', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:timers/promises')>()),
  setTimeout: (await import('../support/fake-clock.js')).fakeSleep,
}));

/** Noon UTC, on a whole second, so HTTP-dates (whole seconds) are exact. */
const clockStart = Date.UTC(2026, 10, 23, 12, 0, 0);
const mebibyte = 1024 * 1024;
const profile = { status: 200, body: { sub: userId, name: 'Ada' } } satisfies ScriptedAnswer;

beforeEach(() => {
  useFakeClock(clockStart);
});

afterEach(() => {
  vi.useRealTimers();
});

/** Finishes a sign-in on the fake clock: when it settled, how, and its result again as a promise. */
const finishOnFakeClock = async (signIn: StartedSignIn) => {
  const { at, outcome } = await settleOnFakeClock(signIn.finish());
  const result = async () => (outcome.status === 'fulfilled' ? outcome.value : Promise.reject(outcome.reason as Error));
  return { at, outcome, result };
};

/**
 * Signs in with userinfo answered by `answers` in turn, on the fake clock; `since` tells when each
 * userinfo request came and `end` when the sign-in settled, counted from the first request.
 */
const signInWithUserInfo = async (answers: ScriptedAnswer[], config: Record<string, unknown> = {}) => {
  const signIn = await signInUpToUserInfo({ config });
  const { seen } = script(userInfoEndpoint(signIn.hubUrl), ...answers);
  const { at, ...settled } = await finishOnFakeClock(signIn);
  return { hubUrl: signIn.hubUrl, seen, since: seen.map((time) => time - seen[0]!), end: at - seen[0]!, ...settled };
};

describe('retries', () => {
  it.each<[ScriptedAnswer, number]>([
    ...[429, 500, 502, 503, 504, 599].map((status): [ScriptedAnswer, number] => [{ status }, 2]),
    [{ networkError: 'ECONNRESET' }, 2],
    ['hang', 2],
    ...[400, 403, 404, 409, 422, 499].map((status): [ScriptedAnswer, number] => [{ status }, 1]),
  ])('after %j, userinfo is asked %i time(s)', async (first, requests) => {
    const run = await signInWithUserInfo([first, profile]);

    expect(run.seen).toHaveLength(requests);
    expect(run.outcome).toMatchObject(requests === 2 ? { status: 'fulfilled', value: { id: userId } } : { status: 'rejected' });
  });

  it.each<[string, ScriptedAnswer[], string]>([
    [
      'the last status',
      [{ status: 502 }, { status: 500, body: 'boom' }, { status: 503, body: 'still down' }],
      'answered 503 (still down)',
    ],
    ['why there was no answer', [{ networkError: 'ECONNREFUSED' }], 'could not be reached (ECONNREFUSED)'],
  ])('asks userinfo three times at most, 200 ms then 400 ms apart, then reports %s', async (_case, answers, fragment) => {
    const run = await signInWithUserInfo(answers);

    const error = await expectConnectorError(run.result(), ConnectorErrorCodes.General, fragment);
    expect(error.data.step).toBe('userinfo');
    expect(run.since).toEqual([0, 200, 600]);
  });
});

describe('Retry-After', () => {
  it.each([
    ['1', 1000],
    ['0', 0],
    ['3600', 2000],
    ['Mon, 23 Nov 2026 12:00:01 GMT', 1000],
    ['Mon, 23 Nov 2026 12:00:02 GMT', 2000],
    ['Mon, 23 Nov 2026 11:59:00 GMT', 0],
    ['', 200],
    ['soon', 200],
    ['-1e3', 200],
  ])('%j: the retry comes %i ms after the first request', async (retryAfter, delayMs) => {
    const run = await signInWithUserInfo([{ status: 503, headers: { 'retry-after': retryAfter } }, profile]);

    expect(run.outcome.status).toBe('fulfilled');
    expect(run.since).toEqual([0, delayMs]);
  });
});

describe('time limits', () => {
  it.each<{ answer: ScriptedAnswer; timeoutMs: number; since: number[]; message: string }>([
    // Three attempts of 2 s and both backoffs fit in the step's 6 s; the last attempt gets what is left.
    { answer: 'hang', timeoutMs: 2000, since: [0, 2200, 4600], message: 'did not answer in time (no answer within 2000 ms)' },
    // After two attempts of 500 ms and a 200 ms backoff, the 400 ms backoff would pass the step's
    // end: the step ends there, with the last attempt's own failure.
    { answer: 'hang', timeoutMs: 500, since: [0, 700], message: 'did not answer in time (no answer within 500 ms)' },
    // A Retry-After longer than what is left of the step: nothing is sent after its end.
    {
      answer: { status: 503, body: { error_description: 'back in an hour' }, headers: { 'retry-after': '3600' } },
      timeoutMs: 500,
      since: [0],
      message: 'answered 503 (back in an hour)',
    },
  ])('requestTimeoutMs $timeoutMs: userinfo asked at $since ms, and the step ends at 3 × that: $message', async ({ answer, timeoutMs, since, message }) => {
    const run = await signInWithUserInfo([answer], { requestTimeoutMs: timeoutMs });

    const error = await expectConnectorError(run.result(), ConnectorErrorCodes.General, `Hugging Face's userinfo endpoint `, message);
    expect(error.data.step).toBe('userinfo');
    expect(run.since).toEqual(since);
    expect(run.end).toBe(3 * timeoutMs);
  });

  it('gives the token POST, never retried, one attempt of requestTimeoutMs', async () => {
    const signIn = await startSignIn({ config: { requestTimeoutMs: 2000 } });
    const { seen } = script(tokenEndpoint(signIn), 'hang');

    const { at, result } = await finishOnFakeClock(signIn);

    const message = `Hugging Face's token endpoint (${signIn.hubUrl}) did not answer in time (no answer within 2000 ms)`;
    const error = await expectConnectorError(result(), ConnectorErrorCodes.General, message);
    expect(error.data.step).toBe('token');
    expect(seen).toHaveLength(1);
    expect(at - seen[0]!).toBe(2000);
  });

  it("sends nothing once the step's deadline has passed", async () => {
    const request = { method: 'GET', url: new URL('https://hub-past-deadline.test/'), timeoutMs: 1000, deadline: Date.now() } as const;

    await expect(sendRequest(request)).rejects.toEqual(new TransportError('timeout', 'no answer within 3000 ms'));
  });
});

describe('bodies', () => {
  /** A userinfo JSON object padded to exactly `size` bytes. */
  const userInfoOfSize = (size: number) => {
    const skeleton = JSON.stringify({ sub: userId, padding: '' });
    return JSON.stringify({ sub: userId, padding: 'x'.repeat(size - skeleton.length) });
  };

  it.each([
    ['a body of exactly 1 MiB', userInfoOfSize(mebibyte), { id: userId }],
    ['the content as UTF-8', JSON.stringify({ sub: userId, name: 'Zoë Ångström 日本' }), { name: 'Zoë Ångström 日本' }],
  ])('reads %s', async (_case, body, user) => {
    const run = await signInWithUserInfo([{ status: 200, body }]);

    expect(run.outcome).toMatchObject({ status: 'fulfilled', value: user });
  });

  it.each<[string, ScriptedAnswer]>([
    ['one byte over 1 MiB', { status: 200, body: userInfoOfSize(mebibyte + 1) }],
    // The announced length is never sent: only a connector that reads the header sees it is too large.
    ['announced over 1 MiB', { status: 200, body: { sub: userId }, headers: { 'content-length': String(mebibyte + 1) } }],
  ])('refuses a body %s as InvalidResponse, without asking again', async (_case, answer) => {
    const run = await signInWithUserInfo([answer]);

    const error = await expectConnectorError(
      run.result(),
      ConnectorErrorCodes.InvalidResponse,
      `Hugging Face's answer from userinfo endpoint is too large (body over ${mebibyte} bytes)`
    );
    expect(error.data.step).toBe('userinfo');
    expect(run.seen).toHaveLength(1);
  });

  it('names itself, asks for no compression and does not inflate an answer compressed anyway', async () => {
    const signIn = await signInUpToUserInfo();
    userInfoEndpoint(signIn.hubUrl)
      .matchHeader('user-agent', 'connector-huggingface (Logto)')
      .matchHeader('accept-encoding', 'identity')
      .reply(200, gzipSync(JSON.stringify(profile.body)), { 'content-encoding': 'gzip' });

    const { result } = await finishOnFakeClock(signIn);

    // Read as sent, the body is gzip, not the JSON object userinfo must be.
    await expectConnectorError(result(), ConnectorErrorCodes.InvalidResponse, "Hugging Face's userinfo is not a JSON object.");
  });
});

describe('over a real connection, which nock cannot imitate', () => {
  beforeAll(() => {
    nock.enableNetConnect('127.0.0.1');
  });

  it('hangs up on a chunked body soon after 1 MiB, of 64 MiB on offer', async () => {
    let sent = 0;
    const hub = await startHub(60, {
      handle: (_request, response) => {
        // No content-length: the body's size is known only as it arrives.
        response.writeHead(200);
        const pump = () => {
          for (; sent < 64 * mebibyte && !response.destroyed; sent += 64 * 1024) {
            if (!response.write(Buffer.alloc(64 * 1024, 0x20))) {
              response.once('drain', pump);
              return;
            }
          }
          response.end();
        };
        pump();
      },
    });

    await expect(post(hub)).rejects.toEqual(new TransportError('too_large', `body over ${mebibyte} bytes`));
    // Socket buffers on both sides hold some megabytes more than the connector read.
    expect(sent).toBeLessThan(16 * mebibyte);
  });

  it('fails at once on a 101 answer, closing the upgraded connection', async () => {
    const closed: Array<Promise<unknown>> = [];
    const hub = await startHub(60, {
      handle: (_request, _response, socket: Socket) => {
        closed.push(new Promise((resolve) => socket.once('close', resolve)));
        socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: hostile\r\n\r\n');
      },
    });

    // The attempt's time limit is on the fake clock, which stands still: only the upgrade ends it.
    await expect(post(hub)).rejects.toEqual(new TransportError('network', 'unexpected protocol upgrade (101)'));
    await Promise.all(closed);
    expect(closed).toHaveLength(1);
  });
});
