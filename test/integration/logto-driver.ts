/**
 * Plays Logto's part of a social sign-in against the built connector: it creates the connector the
 * way Logto's core does, keeps the connector session as JSON text, starts the sign-in, follows the
 * authorization URL through the Hugging Face stand-in, checks the returned `state` and posts the
 * callback's query back to the connector as one of Logto's pages posts it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';

import { type SocialConnector } from '@logto/connector-kit';

import createConnector, { metadata } from '../../lib/index.js';
import { driveSignIn, type SignInChoice } from '../../stand-in/index.js';
import { createLogtoSessionStore, type LogtoSessionStore } from '../../stand-in/logto/index.js';

/** Where this pretend Logto instance is served; the port is never listened on. */
export const logtoEndpoint = 'http://127.0.0.1:3001';

/**
 * Creates one connector instance, as one Logto replica does when it loads the package: through the
 * built package's default export, with a `getConfig` returning `config` for this connector's id.
 *
 * @param config - What the admin console stored.
 */
export const createLogtoConnector = async (config: Record<string, unknown>): Promise<SocialConnector> =>
  createConnector({
    // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getConfig is async: a failure is a rejection
    getConfig: async (factoryId: string) => {
      if (factoryId !== metadata.id) {
        throw new TypeError(`getConfig was asked for "${factoryId}", not "${metadata.id}"`);
      }
      return config;
    },
  });

/** A sign-in Logto has started: what it keeps and where it sends the user. */
export type StartedLogtoSignIn = {
  /** The URL of Hugging Face's authorization page the connector built. */
  authorizationUrl: string;
  /** The `state` Logto generated and expects back. */
  state: string;
  /** Logto's callback URL, `${endpoint}/callback/${connectorId}`. */
  redirectUri: string;
  /** The connector session, as Logto stores it. */
  session: LogtoSessionStore;
};

/**
 * Which of Logto's pages receives the callback, and so what reaches `getUserInfo`:
 *
 * - `sign-in page`: Logto's sign-in page (`packages/experience/src/pages/SocialSignInWebCallback/
 *   use-social-sign-in-listener.ts`) checks `state` itself, removes it and posts the rest of the
 *   query with `redirectUri: ${endpoint}/callback/${connectorId}`;
 * - `account center`: the Account Center's linking page (`packages/account/src/pages/
 *   SocialCallback/index.tsx`) checks `state` and posts the whole query, `state` included, with
 *   `redirectUri: ${endpoint}/account/callback/social/${connectorId}`;
 * - `api client`: a client of the Experience API that forwards the query as it came, `state`
 *   included, with the sign-in page's callback URL.
 */
export type CallbackPage = 'sign-in page' | 'account center' | 'api client';

/** The callback URL Logto registers for `page`. */
const callbackUrlOf = (page: CallbackPage, connectorId: string) =>
  page === 'account center'
    ? `${logtoEndpoint}/account/callback/social/${connectorId}`
    : `${logtoEndpoint}/callback/${connectorId}`;

/**
 * Starts a sign-in as Logto does: a fresh `state`, connector id and `jti`, a fresh JSON session
 * store, then `getAuthorizationUri`.
 *
 * @param connector - The connector instance of the replica that starts the sign-in.
 * @param scope - Logto's per-request scope override, if any.
 * @param page - The page the callback comes back to; it decides the redirect URI.
 */
export const startLogtoSignIn = async (
  connector: SocialConnector,
  scope?: string,
  page: CallbackPage = 'sign-in page'
): Promise<StartedLogtoSignIn> => {
  const state = randomBytes(12).toString('base64url');
  const connectorId = `hf${randomBytes(6).toString('hex')}`;
  const redirectUri = callbackUrlOf(page, connectorId);
  const session = createLogtoSessionStore();
  const authorizationUrl = await connector.getAuthorizationUri(
    {
      state,
      redirectUri,
      connectorId,
      connectorFactoryId: metadata.id,
      jti: randomUUID(),
      headers: {},
      ...(scope !== undefined && { scope }),
    },
    session.setSession
  );
  return { authorizationUrl, state, redirectUri, session };
};

/**
 * Sends the user through Hugging Face's pages and returns what Logto's `page` would post to the
 * connector. Like Logto's pages, it refuses a callback whose `state` is not the one it generated;
 * the sign-in page then leaves `state` out of what it posts.
 *
 * @param signIn - The started sign-in.
 * @param choice - What the user does on the login page.
 * @param page - Which of Logto's pages receives the callback; by default the sign-in page.
 */
export const returnFromHuggingFace = async (
  signIn: StartedLogtoSignIn,
  choice: SignInChoice,
  page: CallbackPage = 'sign-in page'
): Promise<Record<string, string>> => {
  const query = await driveSignIn(signIn.authorizationUrl, signIn.redirectUri, choice);
  if (query.state !== signIn.state) {
    throw new Error('The callback state differs from the one Logto generated');
  }
  if (page === 'sign-in page') {
    const { state: _checked, ...rest } = query;
    return { redirectUri: signIn.redirectUri, ...rest };
  }
  return { ...query, redirectUri: signIn.redirectUri };
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

export { expectConnectorError } from '../support/expect-connector-error.js';
