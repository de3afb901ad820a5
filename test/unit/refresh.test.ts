/**
 * Refreshing a stored token once, however many ask: Logto refreshes without a lock, so every
 * Account API read between a token's expiry and the write of the new one calls
 * `getAccessTokenByRefreshToken` with the same refresh token, which Hugging Face rotates on use.
 * `Date` stands still at noon unless a test moves it.
 */
import { ConnectorErrorCodes, type TokenResponse } from '@logto/connector-kit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { resolveConfig } from '../../src/config.js';
import { refreshOnce } from '../../src/refresh.js';

import { settleOnFakeClock, timersDue, useFakeClock } from '../support/fake-clock.js';
import {
  clientId,
  clientSecret,
  expectConnectorError,
  hold,
  isolateNetwork,
  newHubUrl,
  refreshAsLogto,
  refreshEndpoint,
  refreshToken,
} from '../support/kit.js';

isolateNetwork();

const noon = Date.parse('2026-12-01T12:00:00Z');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: noon });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Moves `Date` to `ms` after noon. */
const at = (ms: number) => {
  vi.setSystemTime(noon + ms);
};

/** Hugging Face's answer to the refresh: a new access token and the rotated refresh token. */
const rotatedAnswer = Object.freeze({
  access_token: 'hf_oauth_access_rotated0123456789',
  token_type: 'bearer',
  expires_in: 28_800,
  scope: 'profile',
  refresh_token: 'hf_oauth_refresh_rotated77aa11bb',
});

const { expires_in: _, ...withoutExpiry } = rotatedAnswer;

/** What Logto receives for {@link rotatedAnswer}, with `expires_in` as given. */
const storedAnswer = (expiresIn: number): TokenResponse => ({ ...rotatedAnswer, expires_in: expiresIn });

/** Another answer, so that a test can tell which request a caller's answer came from. */
const otherAnswer = Object.freeze({
  access_token: 'hf_oauth_access_other9876543210',
  token_type: 'bearer',
  refresh_token: 'hf_oauth_refresh_other0f0e0d0c',
});

/** What the HTTP Basic credentials of the token request carry: base64 of `client_id:client_secret`. */
const basicCredentials = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');

/**
 * Eight refreshes of one refresh token, each on a connector of its own, started together; resolves
 * once the first token request has reached the hub, where the test answers it by hand (`shared`).
 * A second request would meet `second`.
 */
const eightRefreshesWhileHeld = async (hubUrl: string) => {
  const shared = hold(refreshEndpoint(hubUrl));
  const second = refreshEndpoint(hubUrl).reply(200, otherAnswer);
  const calls = Array.from({ length: 8 }, async () => refreshAsLogto(hubUrl));
  for (const call of calls) {
    // Each outcome is checked in turn; until then a rejection is not an unhandled one.
    call.catch(() => undefined);
  }
  await shared.arrived;
  return { shared, calls, second };
};

describe('concurrent refreshes of one refresh token', () => {
  it('send one token request, and every caller gets its answer', async () => {
    const { shared, calls, second } = await eightRefreshesWhileHeld(newHubUrl('refresh'));

    shared.answer(200, rotatedAnswer);

    await expect(Promise.all(calls)).resolves.toEqual(Array.from({ length: 8 }, () => storedAnswer(28_800)));
    expect(second.isDone()).toBe(false);
  });

  it("share the request's failure: every caller gets the ConnectorError, without the refresh token or the client credentials", async () => {
    const { shared, calls, second } = await eightRefreshesWhileHeld(newHubUrl('refresh'));

    shared.answer(400, {
      error: 'invalid_grant',
      error_description: `refresh token ${refreshToken} of ${basicCredentials} was already used`,
    });

    for (const call of calls) {
      // eslint-disable-next-line no-await-in-loop -- each caller's outcome, in turn
      const error = await expectConnectorError(
        call,
        ConnectorErrorCodes.SocialAccessTokenInvalid,
        'Hugging Face rejected the refresh token'
      );
      expect(error.data).toMatchObject({
        step: 'refresh',
        status: 400,
        error: 'invalid_grant',
        error_description: 'refresh token [redacted] of [redacted] was already used',
      });
      const exposed = [error.message, JSON.stringify(error.data), String(error.stack)].join('\n');
      expect(exposed).not.toContain(refreshToken);
      expect(exposed).not.toContain(basicCredentials);
    }
    expect(second.isDone()).toBe(false);
  });
});

describe('a caller that comes after the refresh with the rotated-out refresh token', () => {
  it('gets the same answer for 30 s, expires_in less the whole seconds since; then Hugging Face refuses the token', async () => {
    const hubUrl = newHubUrl('refresh');
    refreshEndpoint(hubUrl).reply(200, rotatedAnswer);
    const second = refreshEndpoint(hubUrl).reply(400, { error: 'invalid_grant' });
    await expect(refreshAsLogto(hubUrl)).resolves.toEqual(storedAnswer(28_800));

    at(10_500);
    await expect(refreshAsLogto(hubUrl)).resolves.toEqual(storedAnswer(28_790));
    at(29_999);
    await expect(refreshAsLogto(hubUrl)).resolves.toEqual(storedAnswer(28_771));
    expect(second.isDone()).toBe(false);

    at(30_000);
    await expectConnectorError(refreshAsLogto(hubUrl), ConnectorErrorCodes.SocialAccessTokenInvalid);
    expect(second.isDone()).toBe(true);
  });

  it('gets an answer whose access token lives 10 s only until 1 s before it expires', async () => {
    const hubUrl = newHubUrl('refresh');
    refreshEndpoint(hubUrl).reply(200, { ...rotatedAnswer, expires_in: 10 });
    const second = refreshEndpoint(hubUrl).reply(200, otherAnswer);
    await expect(refreshAsLogto(hubUrl)).resolves.toEqual(storedAnswer(10));

    at(8999);
    await expect(refreshAsLogto(hubUrl)).resolves.toEqual(storedAnswer(2));
    expect(second.isDone()).toBe(false);

    at(9000);
    await expect(refreshAsLogto(hubUrl)).resolves.toEqual(otherAnswer);
  });

  it('never gets an answer whose access token lives 1 s or less', async () => {
    const hubUrl = newHubUrl('refresh');
    refreshEndpoint(hubUrl).reply(200, { ...rotatedAnswer, expires_in: 1 });
    refreshEndpoint(hubUrl).reply(200, otherAnswer);
    await expect(refreshAsLogto(hubUrl)).resolves.toEqual(storedAnswer(1));

    await expect(refreshAsLogto(hubUrl)).resolves.toEqual(otherAnswer);
  });

  it('gets an answer without expires_in as it came, for 30 s', async () => {
    const hubUrl = newHubUrl('refresh');
    refreshEndpoint(hubUrl).reply(200, withoutExpiry);
    const second = refreshEndpoint(hubUrl).reply(200, otherAnswer);
    await refreshAsLogto(hubUrl);

    at(29_999);
    await expect(refreshAsLogto(hubUrl)).resolves.toStrictEqual(withoutExpiry);
    expect(second.isDone()).toBe(false);
  });

  it('sends its own request after a failure: a failure is not remembered', async () => {
    const hubUrl = newHubUrl('refresh');
    refreshEndpoint(hubUrl).reply(503, { error: 'temporarily_unavailable' });
    refreshEndpoint(hubUrl).reply(200, rotatedAnswer);
    await expectConnectorError(refreshAsLogto(hubUrl), ConnectorErrorCodes.General, 'token endpoint answered 503');

    await expect(refreshAsLogto(hubUrl)).resolves.toEqual(storedAnswer(28_800));
  });
});

describe('an answer is only ever handed to the same client', () => {
  it.each([
    ['another client ID', { clientId: 'hf-other-client-id', clientSecret }, false],
    ['another client secret', { clientId, clientSecret: 'hf-other-client-secret-Pq27' }, false],
    ['the same client of another hub', { clientId, clientSecret }, true],
  ])('a refresh of the same token by %s sends its own request', async (_, client, otherHub) => {
    const hubUrl = newHubUrl('refresh');
    const theirHubUrl = otherHub ? newHubUrl('refresh') : hubUrl;
    refreshEndpoint(hubUrl).reply(200, rotatedAnswer);
    refreshEndpoint(theirHubUrl, refreshToken, client).reply(200, otherAnswer);
    await refreshAsLogto(hubUrl);

    await expect(refreshAsLogto(theirHubUrl, refreshToken, client)).resolves.toEqual(otherAnswer);
  });
});

describe('what the refreshes leave in the process', () => {
  it.each([
    ['after 30 s', rotatedAnswer, 30_000],
    ['1 s before its access token expires', { ...rotatedAnswer, expires_in: 10 }, 9000],
    ['after 30 s when it has no expires_in', withoutExpiry, 30_000],
  ])("forgets the answer %s, by a timer that does not hold Logto's process", async (_, answer, forgetMs) => {
    const hubUrl = newHubUrl('refresh');
    useFakeClock(noon);
    const created = vi.spyOn(globalThis, 'setTimeout');
    const shared = hold(refreshEndpoint(hubUrl));
    const second = refreshEndpoint(hubUrl).reply(200, otherAnswer);

    const calls = Promise.all(Array.from({ length: 8 }, async () => refreshAsLogto(hubUrl)));
    await settleOnFakeClock(shared.arrived);
    shared.answer(200, answer);
    await settleOnFakeClock(calls);

    expect(timersDue()).toEqual([noon + forgetMs]);
    const unreferenced = created.mock.results
      .map(({ value }) => value as NodeJS.Timeout)
      .filter((timer) => !timer.hasRef());
    expect(unreferenced).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(forgetMs);
    expect(vi.getTimerCount()).toBe(0);

    // Forgotten by the timer itself: with the wall clock set back, no answer is handed out.
    vi.setSystemTime(noon + 1000);
    await expect(settleOnFakeClock(refreshAsLogto(hubUrl))).resolves.toMatchObject({
      outcome: { value: otherAnswer },
    });
    expect(second.isDone()).toBe(true);
  });

  it("leaves a newer refresh of the same token alone when a stale answer's timer runs", async () => {
    const hubUrl = newHubUrl('refresh');
    useFakeClock(noon);
    refreshEndpoint(hubUrl).reply(200, { ...rotatedAnswer, expires_in: 10 });
    refreshEndpoint(hubUrl).reply(200, rotatedAnswer);
    await settleOnFakeClock(refreshAsLogto(hubUrl));

    // The wall clock jumps past the first answer's 9 s, which its timer has still to wait.
    vi.setSystemTime(noon + 9000);
    await settleOnFakeClock(refreshAsLogto(hubUrl));
    await vi.advanceTimersByTimeAsync(9000);

    await expect(settleOnFakeClock(refreshAsLogto(hubUrl))).resolves.toMatchObject({
      outcome: { value: storedAnswer(28_791) },
    });
  });

  it('remembers at most 1000 refreshes, forgetting the oldest first, even one still in flight', async () => {
    // Below the connector: 1001 token requests through the transport would take seconds.
    const config = resolveConfig({ clientId, clientSecret, hubUrl: newHubUrl('refresh') });
    const requests = new Map<string, number>();
    const refreshOf = async (token: string) =>
      refreshOnce(config, token, () => {
        requests.set(token, (requests.get(token) ?? 0) + 1);
        return Promise.resolve(storedAnswer(28_800));
      });
    let failOldest: (reason: Error) => void = () => undefined;
    const oldest = refreshOnce(
      config,
      'rt-bulk-0',
      async () =>
        new Promise((_resolve, reject) => {
          failOldest = reject;
        })
    );
    const tokens = Array.from({ length: 1000 }, (_, index) => `rt-bulk-${index + 1}`);
    await Promise.all(tokens.map(refreshOf));
    // The 1001st refresh pushed out the oldest, still in flight; the next oldest is remembered.
    await refreshOf('rt-bulk-1');
    expect(requests.get('rt-bulk-1')).toBe(1);

    // A refresh of the pushed-out token sends a request of its own (pushing out rt-bulk-1), whose
    // answer the oldest one's late failure leaves in place.
    const again = refreshOf('rt-bulk-0');
    failOldest(new Error('no answer'));
    await expect(oldest).rejects.toThrow('no answer');
    await again;
    await refreshOf('rt-bulk-0');
    await refreshOf('rt-bulk-1000');
    await refreshOf('rt-bulk-1');

    expect(Object.fromEntries(['rt-bulk-0', 'rt-bulk-1', 'rt-bulk-1000'].map((token) => [token, requests.get(token)]))).toEqual({
      'rt-bulk-0': 1,
      'rt-bulk-1': 2,
      'rt-bulk-1000': 1,
    });
  });
});
