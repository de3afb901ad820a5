import { ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import {
  accessToken,
  authorizationCode,
  callbackData,
  clientId,
  clientSecret,
  createSessionStore,
  createTestConnector,
  expectConnectorError,
  hubUrlFor,
  isolateNetwork,
  savedCodeVerifier,
  startSignIn,
  state,
  tokenEndpoint,
  tokenSuccess,
  userInfoEndpoint,
} from './fixtures.js';

isolateNetwork();

/** The values no error may contain, once a sign-in has started. */
type Secrets = {
  clientSecret: string;
  code: string;
  accessToken: string;
  codeVerifier: string;
  refreshToken: string;
};

const refreshToken = 'rt-unit-refresh-91c2';

/** A text that repeats every secret, as a careless or hostile server might. */
const echo = (secrets: Secrets) =>
  `client_secret=${secrets.clientSecret} code=${secrets.code} code_verifier=${secrets.codeVerifier} token=${secrets.accessToken}`;

type FailureCase = {
  case: string;
  code: ConnectorErrorCodes;
  /** Sets up Hugging Face's answers; returns the callback data Logto posts. */
  arrange: (hubUrl: string, secrets: Secrets) => unknown;
};

const failures: FailureCase[] = [
  {
    case: 'token 400 invalid_grant echoing the secrets',
    code: ConnectorErrorCodes.SocialAuthCodeInvalid,
    arrange: (hubUrl, secrets) => {
      tokenEndpoint(hubUrl, secrets.codeVerifier).reply(400, {
        error: 'invalid_grant',
        error_description: echo(secrets),
      });
      return callbackData;
    },
  },
  {
    case: 'token 401 invalid_client echoing the secrets',
    code: ConnectorErrorCodes.InvalidConfig,
    arrange: (hubUrl, secrets) => {
      tokenEndpoint(hubUrl, secrets.codeVerifier).reply(401, {
        error: 'invalid_client',
        error_description: echo(secrets),
      });
      return callbackData;
    },
  },
  {
    case: 'token 500 with a text body echoing the secrets',
    code: ConnectorErrorCodes.General,
    arrange: (hubUrl, secrets) => {
      tokenEndpoint(hubUrl, secrets.codeVerifier).reply(500, `Internal error: ${echo(secrets)}`, {
        'content-type': 'text/plain',
      });
      return callbackData;
    },
  },
  {
    case: 'token 400 whose error value is a secret',
    code: ConnectorErrorCodes.General,
    arrange: (hubUrl, secrets) => {
      tokenEndpoint(hubUrl, secrets.codeVerifier).reply(400, { error: secrets.clientSecret });
      return callbackData;
    },
  },
  {
    case: 'userinfo 401 echoing the access token',
    code: ConnectorErrorCodes.SocialAccessTokenInvalid,
    arrange: (hubUrl, secrets) => {
      tokenEndpoint(hubUrl, secrets.codeVerifier).reply(200, tokenSuccess);
      userInfoEndpoint(hubUrl).reply(401, {
        error: 'invalid_token',
        error_description: `Bearer ${secrets.accessToken} is not valid (client ${secrets.clientSecret})`,
      });
      return callbackData;
    },
  },
  {
    case: 'userinfo 500 echoing the access token three times',
    code: ConnectorErrorCodes.General,
    arrange: (hubUrl, secrets) => {
      tokenEndpoint(hubUrl, secrets.codeVerifier).reply(200, tokenSuccess);
      userInfoEndpoint(hubUrl)
        .times(3)
        // Retry-After 0: the retries come at once.
        .reply(500, `Failed for Authorization: Bearer ${secrets.accessToken}`, { 'retry-after': '0' });
      return callbackData;
    },
  },
  {
    case: 'userinfo 403 echoing the code, verifier and refresh token',
    code: ConnectorErrorCodes.General,
    arrange: (hubUrl, secrets) => {
      tokenEndpoint(hubUrl, secrets.codeVerifier).reply(200, { ...tokenSuccess, refresh_token: secrets.refreshToken });
      userInfoEndpoint(hubUrl).reply(403, {
        error: 'insufficient_scope',
        error_description: `${echo(secrets)} refresh=${secrets.refreshToken}`,
      });
      return callbackData;
    },
  },
  {
    case: 'callback access_denied sent with the code',
    code: ConnectorErrorCodes.AuthorizationFailed,
    arrange: (_hubUrl, secrets) => ({
      ...callbackData,
      error: 'access_denied',
      error_description: `Denied for code ${secrets.code}`,
    }),
  },
  {
    case: 'callback invalid_scope echoing the code',
    code: ConnectorErrorCodes.InvalidConfig,
    arrange: (_hubUrl, secrets) => ({
      ...callbackData,
      error: 'invalid_scope',
      error_description: `Scope refused; code ${secrets.code} discarded`,
    }),
  },
  {
    case: 'callback server_error echoing the code and a token',
    code: ConnectorErrorCodes.General,
    arrange: (_hubUrl, secrets) => ({
      ...callbackData,
      error: 'server_error',
      error_description: `Failed to issue ${secrets.accessToken} for ${secrets.code}`,
    }),
  },
  {
    case: 'callback with a forged state',
    code: ConnectorErrorCodes.AuthorizationFailed,
    arrange: () => ({ ...callbackData, state: `${state}-forged` }),
  },
];

let hubCount = 0;

describe('errors never carry a secret', () => {
  it.each(failures)('$case', async ({ code, arrange }) => {
    hubCount += 1;
    const hubUrl = hubUrlFor(`errors-${hubCount}`);
    const connector = await createTestConnector({ clientId, clientSecret, hubUrl });
    const store = createSessionStore();
    await startSignIn(connector, store);
    const secrets: Secrets = {
      clientSecret,
      code: authorizationCode,
      accessToken,
      codeVerifier: await savedCodeVerifier(store),
      refreshToken,
    };
    const data = arrange(hubUrl, secrets);

    const error = await expectConnectorError(connector.getUserInfo(data, store.getSession), code);

    expect(error.data.errorDescription.trim()).not.toBe('');
    for (const text of [JSON.stringify(error), error.message, JSON.stringify(error.data)]) {
      for (const [name, secret] of Object.entries(secrets)) {
        expect(text, `${name} leaked`).not.toContain(secret);
      }
    }
  });
});
