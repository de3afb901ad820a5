/**
 * How the connector talks to Hugging Face, observed from the server's side: which answers are
 * retried and how often, how long it waits before a retry (`Retry-After`, RFC 9110 §10.2.3), how
 * each attempt and each step are bounded in time, the body size cap and redirects. The README
 * documents these: userinfo is retried twice on network errors, 429 and 5xx; the token POST never
 * is; one attempt lasts at most `requestTimeoutMs`, a step at most three times that; bodies over
 * 1 MiB are refused; redirects are never followed. Waits run on a fake clock that stands still
 * while a request and its answer are on their way: every time measured here is exact.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { ConnectorErrorCodes } from '@logto/connector-kit';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { noAnswerComing, settleOnFakeClock, useFakeClock } from '../support/fake-clock.js';

import { scriptedGet, signInUpToUserInfo, userId } from './behaviour-fixtures.js';
import {
  callbackData,
  clientId,
  clientSecret,
  createSessionStore,
  createTestConnector,
  expectConnectorError,
  isolateNetwork,
  startSignIn,
} from './fixtures.js';

isolateNetwork();

// The connector waits before a retry with this timer API: on the fake clock, which lets each wait
// pass at once.
vi.mock('node:timers/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:timers/promises')>();
  const { fakeSleep } = await import('../support/fake-clock.js');
  return { ...actual, setTimeout: fakeSleep };
});

/** Midnight UTC, on a whole second, so HTTP-dates (whole seconds) are exact. */
const clockStart = Date.UTC(2026, 10, 23, 12, 0, 0);
const defaultTimeoutMs = 5000;
const profile = { sub: userId, name: 'Ada' };

beforeEach(() => {
  useFakeClock(clockStart);
});

afterEach(() => {
  vi.useRealTimers();
});

const userInfoPath = '/oauth/userinfo';

describe('which userinfo answers are retried', () => {
  it.each([429, 500, 502, 503, 504, 599])('retries after %i and signs in', async (status) => {
    const signIn = await signInUpToUserInfo('retry-status');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { status, body: 'try later' },
      { status: 200, body: profile },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome).toMatchObject({ status: 'fulfilled', value: { id: userId, name: 'Ada' } });
    expect(endpoint.seen).toHaveLength(2);
  });

  it.each([400, 403, 404, 409, 422, 499])('does not retry %i', async (status) => {
    const signIn = await signInUpToUserInfo('no-retry-status');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { status, body: { error: 'nope', error_description: 'not this way' } },
      { status: 200, body: profile },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome.status).toBe('rejected');
    await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General,
      `answered ${status} (not this way)`
    );
    expect(endpoint.seen).toHaveLength(1);
  });

  it('retries a connection reset and signs in', async () => {
    const signIn = await signInUpToUserInfo('retry-reset');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { networkError: 'ECONNRESET' },
      { status: 200, body: profile },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome).toMatchObject({ status: 'fulfilled', value: { id: userId } });
    expect(endpoint.seen).toHaveLength(2);
  });

  it('waits at least 200 ms before the first retry and at least 400 ms before the second', async () => {
    const signIn = await signInUpToUserInfo('backoff');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 503, body: 'busy' },
      { status: 503, body: 'still busy' },
      { status: 200, body: profile },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome).toMatchObject({ status: 'fulfilled', value: { id: userId } });
    const [first, second, third] = endpoint.seen.map(({ at }) => at);
    expect(second! - first!).toBeGreaterThanOrEqual(200);
    expect(third! - second!).toBeGreaterThanOrEqual(400);
  });

  it('sends exactly three requests, then reports the last status', async () => {
    const signIn = await signInUpToUserInfo('retry-count');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 502, body: 'bad gateway' },
      { status: 500, body: 'boom' },
      { status: 503, body: 'still down' },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    const error = await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General,
      'answered 503 (still down)'
    );
    expect(error.data).toMatchObject({ step: 'userinfo', status: 503 });
    expect(endpoint.seen).toHaveLength(3);
  });

  it('sends exactly three requests when every connection fails, and says it could not reach Hugging Face', async () => {
    const signIn = await signInUpToUserInfo('retry-network');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [{ networkError: 'ECONNREFUSED' }]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    const error = await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General,
      `Hugging Face's userinfo endpoint (${signIn.hubUrl}) could not be reached (ECONNREFUSED)`
    );
    expect(error.data.step).toBe('userinfo');
    expect(endpoint.seen).toHaveLength(3);
  });
});

describe('Retry-After', () => {
  it('in seconds: the retry comes no earlier than the server asked', async () => {
    const signIn = await signInUpToUserInfo('retry-after-seconds');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 200, body: profile },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome.status).toBe('fulfilled');
    const [first, second] = endpoint.seen.map(({ at }) => at);
    expect(second! - first!).toBeGreaterThanOrEqual(1000);
    // Still within the step: the retry was not pushed to the step's end.
    expect(second! - first!).toBeLessThan(2 * defaultTimeoutMs);
  });

  it('of 0 seconds: the retry may come at once and the sign-in succeeds', async () => {
    const signIn = await signInUpToUserInfo('retry-after-zero');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 200, body: profile },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome.status).toBe('fulfilled');
    expect(endpoint.seen).toHaveLength(2);
  });

  /**
   * Answers userinfo once with 503 and `Retry-After` as the HTTP-date `secondsAhead` whole seconds
   * after the current one, then with the profile; returns when each request was seen.
   */
  const retryAfterDateRun = async (name: string, secondsAhead: number) => {
    const signIn = await signInUpToUserInfo(name);
    let retryAt = 0;
    const seen: number[] = [];
    nock(signIn.hubUrl)
      .get(userInfoPath)
      .times(2)
      .reply(() => {
        seen.push(Date.now());
        if (seen.length === 1) {
          retryAt = (Math.floor(Date.now() / 1000) + secondsAhead) * 1000;
          return [503, '', { 'retry-after': new Date(retryAt).toUTCString() }];
        }
        return [200, profile];
      });
    const { outcome } = await settleOnFakeClock(signIn.finish());
    return { outcome, seen, retryAt };
  };

  it('as an HTTP-date: the retry comes no earlier than that date', async () => {
    // The next whole second after the next one: at least one second away.
    const { outcome, seen, retryAt } = await retryAfterDateRun('retry-after-date', 2);

    expect(outcome.status).toBe('fulfilled');
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBeGreaterThanOrEqual(retryAt);
  });

  it('far in the future does not hold the step beyond three request timeouts', async () => {
    const signIn = await signInUpToUserInfo('retry-after-hour');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 503, body: 'maintenance', headers: { 'retry-after': '3600' } },
    ]);
    const started = Date.now();

    const { at, outcome } = await settleOnFakeClock(signIn.finish());

    await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General
    );
    expect(endpoint.seen.length).toBeGreaterThanOrEqual(1);
    expect(at - started).toBeLessThanOrEqual(3 * defaultTimeoutMs);
  });

  it("longer than what is left of the step: nothing is sent after the step's end, and the answer is what is reported", async () => {
    const timeoutMs = 500;
    const signIn = await signInUpToUserInfo('retry-after-step-end', { requestTimeoutMs: timeoutMs });
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      {
        status: 503,
        body: { error: 'temporarily_unavailable', error_description: 'back in an hour' },
        headers: { 'retry-after': '3600' },
      },
    ]);

    const { at, outcome } = await settleOnFakeClock(signIn.finish());

    const error = await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General,
      'answered 503 (back in an hour)'
    );
    expect(error.data).toMatchObject({ step: 'userinfo', status: 503 });
    // The 2 s a Retry-After may hold a retry do not fit in the step's 1.5 s: no second request.
    expect(endpoint.seen).toHaveLength(1);
    expect(at - endpoint.seen[0]!.at).toBeLessThanOrEqual(3 * timeoutMs);
  });

  it('as an HTTP-date: the retry comes once that date has passed, not later', async () => {
    const { outcome, seen, retryAt } = await retryAfterDateRun('retry-after-date-soon', 1);

    expect(outcome.status).toBe('fulfilled');
    expect(seen[1]).toBeGreaterThanOrEqual(retryAt);
    expect(seen[1]).toBeLessThanOrEqual(retryAt);
  });

  it.each(['', 'soon'])(
    'that is not a number of seconds or a date (%j) is ignored: the retry waits the usual 200 ms',
    async (value) => {
      const signIn = await signInUpToUserInfo('retry-after-unreadable');
      const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
        { status: 503, headers: { 'retry-after': value } },
        { status: 200, body: profile },
      ]);

      const { outcome } = await settleOnFakeClock(signIn.finish());

      expect(outcome.status).toBe('fulfilled');
      const [first, second] = endpoint.seen.map(({ at }) => at);
      expect(second! - first!).toBeGreaterThanOrEqual(200);
    }
  );

  it('as a date in the past: retried and signs in', async () => {
    const signIn = await signInUpToUserInfo('retry-after-past');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 503, headers: { 'retry-after': new Date(clockStart - 60_000).toUTCString() } },
      { status: 200, body: profile },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome.status).toBe('fulfilled');
    expect(endpoint.seen).toHaveLength(2);
  });
});

describe('time limits', () => {
  it('cuts each silent attempt at requestTimeoutMs, so all three fit in the step, then gives up at the step limit', async () => {
    const timeoutMs = 2000;
    const signIn = await signInUpToUserInfo('silent', { requestTimeoutMs: timeoutMs });
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, ['hang']);
    // The token exchange is answered at once; the step starts with the first userinfo request.

    const { at, outcome } = await settleOnFakeClock(signIn.finish());

    const error = await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General,
      `Hugging Face's userinfo endpoint (${signIn.hubUrl}) did not answer in time (no answer within ${timeoutMs} ms)`
    );
    expect(error.data.step).toBe('userinfo');
    expect(endpoint.seen).toHaveLength(3);
    const stepStart = endpoint.seen[0]!.at;
    // The step ends at its limit, the backoffs included.
    expect(at - stepStart).toBe(3 * timeoutMs);
    // Each attempt got its full time: the next one started no sooner than requestTimeoutMs later.
    expect(endpoint.seen[1]!.at - stepStart).toBeGreaterThanOrEqual(timeoutMs);
    expect(endpoint.seen[2]!.at - endpoint.seen[1]!.at).toBeGreaterThanOrEqual(timeoutMs);
  });

  it("ends with the last attempt's own failure, naming requestTimeoutMs, when the step runs out while a retry waits", async () => {
    const timeoutMs = 500;
    const signIn = await signInUpToUserInfo('silent-short', { requestTimeoutMs: timeoutMs });
    // Two silent attempts (500 ms each, 200 ms apart) leave 300 ms of the step's 1.5 s, less
    // than the 400 ms the second retry waits for.
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, ['hang']);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General,
      `Hugging Face's userinfo endpoint (${signIn.hubUrl}) did not answer in time (no answer within ${timeoutMs} ms)`
    );
    expect(endpoint.seen).toHaveLength(2);
  });

  it('answers after a silent attempt are still used: the retry signs in', async () => {
    const signIn = await signInUpToUserInfo('silent-once', { requestTimeoutMs: 1000 });
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      'hang',
      { status: 200, body: profile },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome).toMatchObject({ status: 'fulfilled', value: { id: userId } });
    expect(endpoint.seen).toHaveLength(2);
  });

  it('gives the never-retried token request one attempt of requestTimeoutMs', async () => {
    const timeoutMs = 2000;
    const hubUrl = 'https://hub-token-silent.test';
    const connector = await createTestConnector({
      clientId,
      clientSecret,
      hubUrl,
      requestTimeoutMs: timeoutMs,
    });
    const store = createSessionStore();
    await startSignIn(connector, store);
    const posts: number[] = [];
    nock(hubUrl)
      .post('/oauth/token')
      .times(3)
      .reply((_uri, _body, _callback) => {
        posts.push(Date.now());
        noAnswerComing();
      });

    const { at, outcome } = await settleOnFakeClock(connector.getUserInfo(callbackData, store.getSession));

    const error = await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.General,
      `Hugging Face's token endpoint (${hubUrl}) did not answer in time`
    );
    expect(error.data.step).toBe('token');
    expect(posts).toHaveLength(1);
    expect(at - posts[0]!).toBeGreaterThanOrEqual(timeoutMs);
    expect(at - posts[0]!).toBeLessThanOrEqual(timeoutMs);
  });
});

describe('bodies and redirects', () => {
  const mebibyte = 1024 * 1024;

  /** A userinfo JSON object padded to exactly `size` bytes. */
  const userInfoOfSize = (size: number) => {
    const skeleton = JSON.stringify({ sub: userId, padding: '' });
    return JSON.stringify({ sub: userId, padding: 'x'.repeat(size - skeleton.length) });
  };

  it('accepts a body of exactly 1 MiB', async () => {
    const signIn = await signInUpToUserInfo('size-limit');
    const body = userInfoOfSize(mebibyte);
    expect(Buffer.byteLength(body)).toBe(mebibyte);
    scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 200, body, headers: { 'content-type': 'application/json' } },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome).toMatchObject({ status: 'fulfilled', value: { id: userId } });
  });

  it('refuses a body one byte over 1 MiB as InvalidResponse, without retrying', async () => {
    const signIn = await signInUpToUserInfo('size-over');
    const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 200, body: userInfoOfSize(mebibyte + 1) },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    const error = await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.InvalidResponse,
      'too large'
    );
    expect(error.data.step).toBe('userinfo');
    expect(endpoint.seen).toHaveLength(1);
  });

  it('refuses an answer whose content-length is over 1 MiB without waiting for its body', async () => {
    const signIn = await signInUpToUserInfo('size-announced');
    // The announced length is never sent: only a connector that reads the header sees it is too large.
    scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 200, body: { sub: userId }, headers: { 'content-length': String(mebibyte + 1) } },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    const error = await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.InvalidResponse,
      `Hugging Face's answer from userinfo endpoint is too large (body over ${mebibyte} bytes)`
    );
    expect(error.data.step).toBe('userinfo');
  });

  it('refuses an answer without content-length once it passes 1 MiB', async () => {
    const signIn = await signInUpToUserInfo('size-streamed');
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    nock(signIn.hubUrl)
      .get(userInfoPath)
      // A stream is sent chunked, with no length announced; 8 chunks make 2 MiB. (That the
      // connector hangs up soon after 1 MiB is seen only by a real server: test/hostile.)
      .reply(200, () => Readable.from(Array.from({ length: 8 }, () => chunk)), {
        'content-type': 'application/json',
      });

    const { outcome } = await settleOnFakeClock(signIn.finish());

    await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.InvalidResponse,
      `too large (body over ${mebibyte} bytes)`
    );
  });

  it('asks for no compression and does not inflate an answer compressed anyway', async () => {
    const signIn = await signInUpToUserInfo('gzip');
    nock(signIn.hubUrl, { reqheaders: { 'accept-encoding': 'identity' } })
      .get(userInfoPath)
      .reply(200, gzipSync(JSON.stringify(profile)), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });

    const { outcome } = await settleOnFakeClock(signIn.finish());

    // Read as sent, the body is gzip, not the JSON object userinfo must be.
    await expectConnectorError(
      Promise.reject((outcome as PromiseRejectedResult).reason as Error),
      ConnectorErrorCodes.InvalidResponse,
      "Hugging Face's userinfo is not a JSON object."
    );
  });

  it.each([300, 301, 302, 303, 307, 308])(
    'does not follow a %i from the userinfo endpoint, nor retry it',
    async (status) => {
      const signIn = await signInUpToUserInfo('redirect');
      const elsewhere = nock('https://elsewhere.test').get(/.*/).reply(200, profile);
      const endpoint = scriptedGet(signIn.hubUrl, userInfoPath, [
        { status, headers: { location: 'https://elsewhere.test/oauth/userinfo' } },
      ]);

      const { outcome } = await settleOnFakeClock(signIn.finish());

      const error = await expectConnectorError(
        Promise.reject((outcome as PromiseRejectedResult).reason as Error),
        ConnectorErrorCodes.General,
        `redirect (${status})`,
        'not followed'
      );
      expect(error.data).toMatchObject({ step: 'userinfo', status });
      expect(endpoint.seen).toHaveLength(1);
      expect(elsewhere.isDone()).toBe(false);
    }
  );

  it('reads the content as UTF-8', async () => {
    const signIn = await signInUpToUserInfo('utf8');
    scriptedGet(signIn.hubUrl, userInfoPath, [
      { status: 200, body: { sub: userId, name: 'Zoë Ångström 日本' } },
    ]);

    const { outcome } = await settleOnFakeClock(signIn.finish());

    expect(outcome).toMatchObject({ status: 'fulfilled', value: { name: 'Zoë Ångström 日本' } });
  });
});
