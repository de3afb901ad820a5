/**
 * Fixtures for the behaviour tests that pin down what the connector does at its edges (retries,
 * time limits, error bodies, sessions, profiles): a sign-in driven through the public connector up
 * to the userinfo request, a log of what Hugging Face's endpoints saw, and a fake clock that
 * measures waits in simulated time, so no test depends on how fast the machine is.
 */
import { type SocialConnector } from '@logto/connector-kit';
import nock from 'nock';
import { vi } from 'vitest';

import {
  callbackData,
  clientId,
  clientSecret,
  createSessionStore,
  createTestConnector,
  savedCodeVerifier,
  type SessionStore,
  startSignIn,
  tokenEndpoint,
  tokenSuccess,
} from './fixtures.js';

/** A Hugging Face user id (24 hex digits, as `sub` in userinfo). */
export const userId = '65a1b2c3d4e5f60718293a4b';

let hubCount = 0;

/** A sign-in whose code exchange is answered; the test serves the userinfo. */
export type SignInAtUserInfo = {
  hubUrl: string;
  connector: SocialConnector;
  store: SessionStore;
  /** Posts the callback as Logto's sign-in page does and returns Logto's user info. */
  finish: () => ReturnType<SocialConnector['getUserInfo']>;
};

/**
 * Starts a sign-in on a hub of its own and answers the code exchange with a bearer token.
 *
 * @param label - Tells the tests' hubs apart in failure output.
 * @param extraConfig - Config keys beside the client credentials and the hub URL.
 */
export const signInUpToUserInfo = async (
  label: string,
  extraConfig: Record<string, unknown> = {}
): Promise<SignInAtUserInfo> => {
  hubCount += 1;
  const hubUrl = `https://hub-${label}-${hubCount}.test`;
  const connector = await createTestConnector({ clientId, clientSecret, hubUrl, ...extraConfig });
  const store = createSessionStore();
  await startSignIn(connector, store);
  tokenEndpoint(hubUrl, await savedCodeVerifier(store)).reply(200, tokenSuccess);
  return {
    hubUrl,
    connector,
    store,
    finish: async () => connector.getUserInfo(callbackData, store.getSession),
  };
};

/** One request an endpoint received: when, on the fake clock. */
export type SeenRequest = { at: number };

/**
 * One answer of a scripted endpoint: a status, a body and headers; `'hang'` for no answer at all;
 * or a connection failure with a Node error code such as `ECONNRESET`.
 */
export type ScriptedAnswer =
  | { status: number; body?: string | Record<string, unknown>; headers?: Record<string, string> }
  | { networkError: string }
  | 'hang';

/**
 * Serves `GET path` on `hubUrl` with the given answers in turn (the last one repeats, at most 10
 * requests) and records when each request arrived.
 */
export const scriptedGet = (
  hubUrl: string,
  path: string,
  answers: ScriptedAnswer[]
): { seen: SeenRequest[] } => {
  const seen: SeenRequest[] = [];
  nock(hubUrl)
    .get(path)
    .times(10)
    .reply((_uri, _body, callback) => {
      const answer = answers[Math.min(seen.length, answers.length - 1)];
      seen.push({ at: Date.now() });
      if (answer === 'hang' || answer === undefined) {
        return; // Never calls back: the server keeps the connection open without answering.
      }
      if ('networkError' in answer) {
        callback(Object.assign(new Error('connection failed'), { code: answer.networkError }), [0]);
        return;
      }
      callback(null, [answer.status, answer.body ?? '', answer.headers ?? {}]);
    });
  return { seen };
};

/**
 * Replaces the clock and `setTimeout` (the global one and `node:timers/promises`'s, which a test
 * file routes to it with `vi.mock`) by a fake one; I/O keeps running for real.
 *
 * @param startAt - The fake clock's start, in epoch milliseconds.
 */
export const useFakeClock = (startAt: number): void => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: startAt });
};

const realTick = async () =>
  new Promise<void>((resolve) => {
    setImmediate(resolve);
  });

/**
 * Settles a promise while moving the fake clock forward a few milliseconds at a time, letting I/O
 * run between steps; waits and timeouts then take their simulated duration in no real time.
 *
 * @param msPerTurn - How far the clock moves per turn of the event loop: 5 ms by default; 1 ms
 *   where a short time limit must not be used up by the turns real I/O takes.
 * @returns The fake clock's time when the promise settled, and its outcome.
 */
export const settleOnFakeClock = async <T>(
  promise: Promise<T>,
  msPerTurn = 5
): Promise<{ at: number; outcome: PromiseSettledResult<T> }> => {
  let settled: { at: number; outcome: PromiseSettledResult<T> } | undefined;
  void promise.then(
    (value) => {
      settled = { at: Date.now(), outcome: { status: 'fulfilled', value } };
    },
    (reason: unknown) => {
      settled = { at: Date.now(), outcome: { status: 'rejected', reason } };
    }
  );
  // 20,000 turns at most (100 s of fake time at 5 ms a turn), so a promise that never settles
  // fails the test in a few real seconds whatever the step.
  const fakeTimeLimitMs = 20_000 * msPerTurn;
  for (let elapsed = 0; !settled && elapsed < fakeTimeLimitMs; elapsed += msPerTurn) {
    // eslint-disable-next-line no-await-in-loop
    await realTick();
    // eslint-disable-next-line no-await-in-loop
    await vi.advanceTimersByTimeAsync(msPerTurn);
  }
  if (!settled) {
    throw new Error(`The promise did not settle within ${fakeTimeLimitMs / 1000} s of fake time.`);
  }
  return settled;
};
