/**
 * Logto's part of a sign-in against the Hugging Face stand-in, around the kit's `startSignIn`: the
 * built connector as Logto loads it, the user's trip through the stand-in's pages back to Logto's
 * callback URL, what Logto's pages then post, and a Logto replica in another thread.
 */
import { Worker } from 'node:worker_threads';

import { type SocialConnector } from '@logto/connector-kit';

import createConnector from '../../lib/index.js';
import { driveSignIn, type SignInChoice, type StandInClient } from '../../stand-in/index.js';
import {
  accountCenterUri,
  clientId,
  clientSecret,
  connectorFrom,
  logtoCallbackUri,
  signInPageUri,
  type StartedSignIn,
} from '../support/kit.js';

/** The kit's Hugging Face app as registered at the stand-in, with Logto's callback URL. */
export const standInApp: StandInClient = {
  clientId,
  clientSecret,
  redirectUris: [logtoCallbackUri],
};

/**
 * The built connector with the config the admin console stored: {@link standInApp} at `hubUrl`
 * with the `profile` scope, then `config`.
 */
export const builtConnectorAt = async (
  hubUrl: string,
  config: Record<string, unknown> = {}
): Promise<SocialConnector> =>
  connectorFrom(createConnector, { clientId, clientSecret, hubUrl, scope: 'profile', ...config });

/** What each of Logto's pages posts once Hugging Face sent the user back. */
export type CallbackPosts = {
  /** The sign-in page: the query without `state`, which it checked itself. */
  signInPage: Record<string, string>;
  /** The Account Center: the whole query, `state` included. */
  accountCenter: Record<string, string>;
};

/**
 * Sends the user through the stand-in's pages and returns what Logto's pages post for the
 * callback. Like them, it refuses a callback whose `state` is not the sign-in's.
 *
 * @param signIn - The sign-in the kit started.
 * @param choice - What the user does on the login page.
 */
export const returnFromHuggingFace = async (
  signIn: StartedSignIn,
  choice: SignInChoice
): Promise<CallbackPosts> => {
  const { state, ...query } = await driveSignIn(signIn.url.href, logtoCallbackUri, choice);
  if (state !== signIn.state) {
    throw new Error('The callback state differs from the one Logto generated');
  }
  return {
    signInPage: { ...query, redirectUri: signInPageUri },
    accountCenter: { ...query, state, redirectUri: accountCenterUri },
  };
};

/** What a replica in another thread answered: the user info, or the error's code and data. */
export type ReplicaOutcome =
  | { userInfo: Record<string, unknown> }
  | { error: { code: unknown; data: unknown } };

// Runs in a worker thread: its own module graph, so the connector's module state is its own.
const replicaSource = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { default: createConnector } = await import(workerData.connectorUrl);
  const connector = await createConnector({ getConfig: async () => workerData.config });
  try {
    const userInfo = await connector.getUserInfo(workerData.data, async () => JSON.parse(workerData.sessionJson));
    parentPort.postMessage({ userInfo });
  } catch (error) {
    parentPort.postMessage({ error: { code: error?.code, data: error?.data } });
  }
})();
`;

/**
 * Finishes a sign-in on a Logto replica that shares nothing with this one but the session's JSON
 * text: a worker thread that loads the built connector afresh and calls `getUserInfo`.
 *
 * @param config - The connector config, as the replica's `getConfig` returns it.
 * @param data - What Logto's sign-in page posted.
 * @param sessionJson - The connector session as stored.
 */
export const finishOnSeparateReplica = async (
  config: Record<string, unknown>,
  data: Record<string, string>,
  sessionJson: string
): Promise<ReplicaOutcome> => {
  const worker = new Worker(replicaSource, {
    eval: true,
    workerData: {
      connectorUrl: new URL('../../lib/index.js', import.meta.url).href,
      config,
      data,
      sessionJson,
    },
  });
  try {
    return await new Promise<ReplicaOutcome>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (exitCode) => reject(new Error(`The replica exited (${exitCode}) without an answer`)));
    });
  } finally {
    await worker.terminate();
  }
};
