/**
 * Fixtures for the behaviour tests that pin down what the connector does at its edges (retries,
 * time limits, error bodies, sessions, profiles): a sign-in driven through the public connector up
 * to the userinfo request, and endpoints that answer as scripted and log when each request came
 * (on the fake clock of `test/support/fake-clock.ts`, which they tell of the requests they leave
 * unanswered).
 */
import { type SocialConnector } from '@logto/connector-kit';
import nock from 'nock';

import { noAnswerComing } from '../support/fake-clock.js';

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
        // Never calls back: the server keeps the connection open without answering.
        noAnswerComing();
        return;
      }
      if ('networkError' in answer) {
        callback(Object.assign(new Error('connection failed'), { code: answer.networkError }), [0]);
        return;
      }
      callback(null, [answer.status, answer.body ?? '', answer.headers ?? {}]);
    });
  return { seen };
};
