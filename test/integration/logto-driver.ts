/**
 * Logto's part of a sign-in against the Hugging Face stand-in, around the kit's `startSignIn`: the
 * built connector as Logto loads it, the user's trip through the stand-in's pages back to Logto's
 * callback URL, and what Logto's pages then post.
 */
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
 * The config the admin console stored: {@link standInApp} at `hubUrl` with the `profile` scope and
 * the longest time limit (a busy machine must not end a sign-in), then `config`.
 */
export const configAt = (hubUrl: string, config: Record<string, unknown> = {}) => ({
  clientId,
  clientSecret,
  hubUrl,
  scope: 'profile',
  requestTimeoutMs: 30_000,
  ...config,
});

/** The built connector with {@link configAt}'s config. */
export const builtConnectorAt = async (hubUrl: string, config?: Record<string, unknown>) =>
  connectorFrom(createConnector, configAt(hubUrl, config));

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
