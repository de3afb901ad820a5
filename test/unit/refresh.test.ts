/**
 * Refreshing a stored token once, however many ask: Logto refreshes without a lock, so every
 * Account API read between a token's expiry and the write of the new one calls
 * `getAccessTokenByRefreshToken` with the same refresh token, which Hugging Face rotates on use.
 * Each call here goes through a connector of its own, as Logto creates one per request.
 */
import { ConnectorErrorCodes, type TokenResponse } from '@logto/connector-kit';
import nock from 'nock';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { resolveConfig } from '../../src/config.js';
import { refreshOnce } from '../../src/refresh.js';

import { settleOnFakeClock, timersDue, useFakeClock } from '../support/fake-clock.js';
import { nextHubUrl } from './crypto-fixtures.js';
import { clientId, clientSecret, createTestConnector, expectConnectorError, isolateNetwork } from './fixtures.js';

isolateNetwork();

afterEach(() => {
  vi.useRealTimers();
});

/** The refresh token Logto holds in its secret vault. */
const refreshToken = 'rt-5e1f9a7c3b2d4680-stored';

/** Hugging Face's answer to the refresh: a new access token and the rotated refresh token. */
const rotatedAnswer = Object.freeze({
  access_token: 'hf_oauth_access_rotated0123456789',
  token_type: 'bearer',
  expires_in: 28_800,
  scope: 'profile',
  refresh_token: 'rt-77aa11bb22cc33dd-rotated',
});

/** What Logto receives for {@link rotatedAnswer}, `expires_in` as given. */
const storedAnswer = (expiresIn: number): TokenResponse => ({
  access_token: 'hf_oauth_access_rotated0123456789',
  token_type: 'bearer',
  expires_in: expiresIn,
  scope: 'profile',
  refresh_token: 'rt-77aa11bb22cc33dd-rotated',
});

/** Another answer, so that a test can tell which request a caller's answer came from. */
const otherAnswer = Object.freeze({
  access_token: 'hf_oauth_access_other9876543210',
  token_type: 'bearer',
  expires_in: 28_800,
  refresh_token: 'rt-0f0e0d0c0b0a0908-other',
});

type Client = { clientId: string; clientSecret: string };

const ourClient: Client = { clientId, clientSecret };

/** The HTTP Basic credentials the token request carries: base64 of `client_id:client_secret`. */
const basicCredentials = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');

/** Logto's call, on a connector of its own. */
const refresh = async (hubUrl: string, token = refreshToken, client: Client = ourClient) => {
  const connector = await createTestConnector({ ...client, hubUrl });
  if (!connector.getAccessTokenByRefreshToken) {
    throw new TypeError('The connector does not offer getAccessTokenByRefreshToken.');
  }
  return connector.getAccessTokenByRefreshToken(token);
};

/** The refresh request, matched on its exact form body and Basic client authentication. */
const refreshRequest = (hubUrl: string, token = refreshToken, client: Client = ourClient) =>
  nock(hubUrl)
    .post('/oauth/token', `grant_type=refresh_token&refresh_token=${token}`)
    .basicAuth({ user: client.clientId, pass: client.clientSecret });

/**
 * A refresh request the test answers by hand: `arrived` settles when it reaches the hub,
 * `answer` sends the status and body.
 */
const heldRefresh = (hubUrl: string) => {
  let send: ((status: number, body: nock.Body) => void) | undefined;
  const arrived = new Promise<void>((resolve) => {
    refreshRequest(hubUrl).reply((_uri, _body, callback) => {
      send = (status, body) => {
        callback(null, [status, body]);
      };
      resolve();
    });
  });
  return {
    arrived,
    answer: (status: number, body: nock.Body) => {
      if (!send) {
        throw new Error('The refresh request has not arrived yet.');
      }
      send(status, body);
    },
  };
};

/** Freezes `Date` only (sockets keep real time) and moves it by hand. */
const freezeDate = () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  return {
    advance: (ms: number) => {
      vi.setSystemTime(Date.now() + ms);
    },
  };
};

/**
 * Eight refreshes of one refresh token, each on a connector of its own, started together; resolves
 * once the first token request reached the hub, where the test answers it by hand (`shared`). A
 * second request would meet `second`.
 */
const eightRefreshesWhileHeld = async (hubUrl: string) => {
  const shared = heldRefresh(hubUrl);
  const second = refreshRequest(hubUrl).reply(200, otherAnswer);
  const calls = Array.from({ length: 8 }, async () => refresh(hubUrl));
  for (const call of calls) {
    // Each outcome is checked in turn; until then a rejection is not an unhandled one.
    call.catch(() => undefined);
  }
  await shared.arrived;
  return { shared, calls, second };
};

describe('concurrent refreshes of one refresh token', () => {
  it('send one token request, and every caller gets its answer', async () => {
    const { shared, calls, second } = await eightRefreshesWhileHeld(nextHubUrl('refresh'));

    shared.answer(200, rotatedAnswer);
    const answers = await Promise.all(calls);

    expect(answers).toEqual(Array.from({ length: 8 }, () => storedAnswer(28_800)));
    expect(second.isDone()).toBe(false);
  });

  it("share the request's failure: every caller gets the ConnectorError, without the refresh token or the client credentials", async () => {
    const { shared, calls, second } = await eightRefreshesWhileHeld(nextHubUrl('refresh'));

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

describe('a caller that arrives after the refresh with the rotated-out refresh token', () => {
  it('gets the same answer within 30 seconds, expires_in counting the whole seconds since', async () => {
    const hubUrl = nextHubUrl('refresh');
    const clock = freezeDate();
    refreshRequest(hubUrl).reply(200, rotatedAnswer);
    const second = refreshRequest(hubUrl).reply(400, { error: 'invalid_grant' });
    await expect(refresh(hubUrl)).resolves.toEqual(storedAnswer(28_800));

    clock.advance(10_500);
    await expect(refresh(hubUrl)).resolves.toEqual(storedAnswer(28_790));
    clock.advance(19_499);
    await expect(refresh(hubUrl)).resolves.toEqual(storedAnswer(28_771));

    expect(second.isDone()).toBe(false);
  });

  it('after 30 seconds, presents it to Hugging Face, which refuses the rotated-out token', async () => {
    const hubUrl = nextHubUrl('refresh');
    const clock = freezeDate();
    refreshRequest(hubUrl).reply(200, rotatedAnswer);
    const second = refreshRequest(hubUrl).reply(400, { error: 'invalid_grant' });
    await refresh(hubUrl);

    clock.advance(30_000);

    await expectConnectorError(refresh(hubUrl), ConnectorErrorCodes.SocialAccessTokenInvalid);
    expect(second.isDone()).toBe(true);
  });

  it('gets an answer whose access token lives 10 seconds only until 1 second before it expires', async () => {
    const hubUrl = nextHubUrl('refresh');
    const clock = freezeDate();
    refreshRequest(hubUrl).reply(200, { ...rotatedAnswer, expires_in: 10 });
    const second = refreshRequest(hubUrl).reply(200, otherAnswer);
    await expect(refresh(hubUrl)).resolves.toEqual(storedAnswer(10));

    clock.advance(8999);
    await expect(refresh(hubUrl)).resolves.toEqual(storedAnswer(2));
    expect(second.isDone()).toBe(false);

    clock.advance(1);
    await expect(refresh(hubUrl)).resolves.toEqual(expect.objectContaining({ access_token: otherAnswer.access_token }));
    expect(second.isDone()).toBe(true);
  });

  it('never gets an answer whose access token lives 1 second or less', async () => {
    const hubUrl = nextHubUrl('refresh');
    freezeDate();
    refreshRequest(hubUrl).reply(200, { ...rotatedAnswer, expires_in: 1 });
    const second = refreshRequest(hubUrl).reply(200, otherAnswer);
    await expect(refresh(hubUrl)).resolves.toEqual(storedAnswer(1));

    await expect(refresh(hubUrl)).resolves.toEqual(expect.objectContaining({ access_token: otherAnswer.access_token }));
    expect(second.isDone()).toBe(true);
  });

  it('gets an answer without expires_in as it came, for 30 seconds', async () => {
    const hubUrl = nextHubUrl('refresh');
    const clock = freezeDate();
    const { expires_in: _, ...withoutExpiry } = rotatedAnswer;
    refreshRequest(hubUrl).reply(200, withoutExpiry);
    const second = refreshRequest(hubUrl).reply(200, otherAnswer);
    await refresh(hubUrl);

    clock.advance(29_999);
    await expect(refresh(hubUrl)).resolves.toEqual({
      access_token: 'hf_oauth_access_rotated0123456789',
      token_type: 'bearer',
      scope: 'profile',
      refresh_token: 'rt-77aa11bb22cc33dd-rotated',
    });
    expect(second.isDone()).toBe(false);
  });

  it('sends its own request after a failure: a failure is not remembered', async () => {
    const hubUrl = nextHubUrl('refresh');
    freezeDate();
    refreshRequest(hubUrl).reply(503, { error: 'temporarily_unavailable' });
    const second = refreshRequest(hubUrl).reply(200, rotatedAnswer);
    await expectConnectorError(refresh(hubUrl), ConnectorErrorCodes.General, 'token endpoint answered 503');

    await expect(refresh(hubUrl)).resolves.toEqual(storedAnswer(28_800));
    expect(second.isDone()).toBe(true);
  });
});

describe('an answer is only ever handed to the same client', () => {
  it.each([
    ['another client ID', { clientId: 'hf-unit-other-client', clientSecret }],
    ['another client secret', { clientId, clientSecret: 'unit-other-client-secret-Pq27' }],
  ])('a refresh of the same token by %s sends its own request', async (_, otherClient) => {
    const hubUrl = nextHubUrl('refresh');
    freezeDate();
    refreshRequest(hubUrl).reply(200, rotatedAnswer);
    const theirs = refreshRequest(hubUrl, refreshToken, otherClient).reply(200, otherAnswer);
    await refresh(hubUrl);

    await expect(refresh(hubUrl, refreshToken, otherClient)).resolves.toEqual(
      expect.objectContaining({ access_token: otherAnswer.access_token })
    );
    expect(theirs.isDone()).toBe(true);
  });

  it('a refresh of the same token on another hub sends its own request', async () => {
    const hubUrl = nextHubUrl('refresh');
    const otherHubUrl = nextHubUrl('refresh');
    freezeDate();
    refreshRequest(hubUrl).reply(200, rotatedAnswer);
    const theirs = refreshRequest(otherHubUrl).reply(200, otherAnswer);
    await refresh(hubUrl);

    await expect(refresh(otherHubUrl)).resolves.toEqual(
      expect.objectContaining({ access_token: otherAnswer.access_token })
    );
    expect(theirs.isDone()).toBe(true);
  });
});

describe('what the refreshes leave in the process', () => {
  it('forgets the answer 30 s after it came, by a timer that does not hold Logto\'s process', async () => {
    const hubUrl = nextHubUrl('refresh');
    const start = Date.parse('2026-12-01T12:00:00Z');
    useFakeClock(start);
    const created = vi.spyOn(globalThis, 'setTimeout');
    const shared = heldRefresh(hubUrl);

    const calls = Promise.all(Array.from({ length: 8 }, async () => refresh(hubUrl)));
    await settleOnFakeClock(shared.arrived);
    shared.answer(200, rotatedAnswer);
    await settleOnFakeClock(calls);

    expect(timersDue()).toEqual([start + 30_000]);
    const unreferenced = created.mock.results.map(({ value }) => value as NodeJS.Timeout).filter((timer) => !timer.hasRef());
    expect(unreferenced).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('at most 1000 refreshes are remembered; the oldest is forgotten first', async () => {
    // Driven below the connector: 1001 token requests through the transport would take seconds.
    const config = resolveConfig({ clientId, clientSecret, hubUrl: nextHubUrl('refresh') });
    freezeDate();
    const requests = new Map<string, number>();
    const refreshOf = async (token: string) =>
      refreshOnce(config, token, () => {
        requests.set(token, (requests.get(token) ?? 0) + 1);
        return Promise.resolve(storedAnswer(28_800));
      });
    const tokens = Array.from({ length: 1001 }, (_, index) => `rt-bulk-${index}`);
    await Promise.all(tokens.map(refreshOf));
    expect(requests.size).toBe(1001);

    await refreshOf('rt-bulk-1');
    await refreshOf('rt-bulk-1000');
    await refreshOf('rt-bulk-0');

    expect(requests.get('rt-bulk-1')).toBe(1);
    expect(requests.get('rt-bulk-1000')).toBe(1);
    expect(requests.get('rt-bulk-0')).toBe(2);
  });
});
