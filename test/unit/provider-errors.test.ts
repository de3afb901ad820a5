/**
 * What an operator reads when Hugging Face answers with an error, and what never reaches them.
 *
 * RFC 6749 §5.2 defines an error response as a JSON object with `error` and an optional
 * `error_description`; the README documents that the connector passes both on (and the HTTP
 * status), cut to 300 characters and scrubbed of the client secret, the code, the PKCE verifier,
 * every token of the sign-in and anything shaped like a Hugging Face token (`hf_…`), and that a
 * body that is not an OAuth error still shows its start. Unexpected failures reach Logto as
 * `General` without their original text.
 */
import { ConnectorError, ConnectorErrorCodes, type SocialConnector } from '@logto/connector-kit';
import nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';

import { signInUpToUserInfo } from './behaviour-fixtures.js';
import {
  accessToken,
  authorizationCode,
  callbackData,
  clientId,
  clientSecret,
  createSessionStore,
  createTestConnector,
  expectConnectorError,
  isolateNetwork,
  savedCodeVerifier,
  type SessionStore,
  startSignIn,
  tokenEndpoint,
} from './fixtures.js';

isolateNetwork();

let hubCount = 0;
let hubUrl: string;
let connector: SocialConnector;
let store: SessionStore;
let codeVerifier: string;

beforeEach(async () => {
  hubCount += 1;
  hubUrl = `https://hub-provider-errors-${hubCount}.test`;
  connector = await createTestConnector({ clientId, clientSecret, hubUrl });
  store = createSessionStore();
  await startSignIn(connector, store);
  codeVerifier = await savedCodeVerifier(store);
});

/** Answers the code exchange with `status` and `body`, then runs the sign-in to its error. */
const tokenErrorFor = async (status: number, body: string | Record<string, unknown>) => {
  tokenEndpoint(hubUrl, codeVerifier).reply(status, body);
  return expectConnectorError(
    connector.getUserInfo(callbackData, store.getSession),
    ConnectorErrorCodes.General
  );
};

describe('an OAuth error body (RFC 6749 §5.2)', () => {
  it('passes error, error_description and the status on, and names both in the message', async () => {
    const error = await tokenErrorFor(400, {
      error: 'invalid_request',
      error_description: 'The request is missing a required parameter.',
    });

    expect(error.data).toMatchObject({
      step: 'token',
      status: 400,
      error: 'invalid_request',
      error_description: 'The request is missing a required parameter.',
    });
    expect(error.data.errorDescription).toContain(
      '400 (invalid_request: The request is missing a required parameter.)'
    );
  });

  it('with only error: passes it on and leaves error_description out', async () => {
    const error = await tokenErrorFor(400, { error: 'unsupported_grant_type' });

    expect(error.data.error).toBe('unsupported_grant_type');
    expect(error.data).not.toHaveProperty('error_description');
    expect(error.data.errorDescription).toContain('(unsupported_grant_type)');
  });

  it('with only error_description: passes it on and leaves error out', async () => {
    const error = await tokenErrorFor(500, { error_description: 'Database unavailable' });

    expect(error.data.error_description).toBe('Database unavailable');
    expect(error.data).not.toHaveProperty('error');
  });

  it('with an empty error and a description: keeps only the description', async () => {
    const error = await tokenErrorFor(400, { error: '', error_description: 'Something failed' });

    expect(error.data.error_description).toBe('Something failed');
    expect(error.data).not.toHaveProperty('error');
  });

  it.each([
    ['a number as error', { error: 400, detail: 'x' }],
    ['a list as error_description', { error_description: ['a', 'b'] }],
    ['no OAuth fields', { message: 'Bad Request' }],
  ])('with %s: keeps the body itself as the description', async (_case, body) => {
    const error = await tokenErrorFor(400, body);

    expect(error.data.error_description).toBe(JSON.stringify(body));
    expect(error.data).not.toHaveProperty('error');
  });

  it('a JSON list is not an OAuth error: its text is kept', async () => {
    const error = await tokenErrorFor(400, '["invalid_request"]');

    expect(error.data.error_description).toBe('["invalid_request"]');
    expect(error.data).not.toHaveProperty('error');
  });

  it('JSON null is not an OAuth error: its text is kept', async () => {
    const error = await tokenErrorFor(502, 'null');

    expect(error.data.error_description).toBe('null');
  });
});

describe('a body that is not an OAuth error', () => {
  it('keeps its text without the surrounding whitespace', async () => {
    const error = await tokenErrorFor(503, '\n  Service Unavailable  \n');

    expect(error.data).toMatchObject({ status: 503, error_description: 'Service Unavailable' });
    expect(error.data.errorDescription).toContain('503 (Service Unavailable)');
  });

  it('an empty or blank body adds no description', async () => {
    const error = await tokenErrorFor(500, '   ');

    expect(error.data).not.toHaveProperty('error_description');
    expect(error.data).not.toHaveProperty('error');
    expect(error.data.errorDescription).toBe("Hugging Face's token endpoint answered 500.");
  });
});

describe('length of provider texts', () => {
  it('keeps a description of exactly 300 characters whole', async () => {
    const description = 'd'.repeat(300);
    const error = await tokenErrorFor(400, { error: 'invalid_request', error_description: description });

    expect(error.data.error_description).toBe(description);
  });

  it('cuts a longer description to its first 300 characters', async () => {
    const description = `${'a'.repeat(300)}${'b'.repeat(500)}`;
    const error = await tokenErrorFor(400, { error: 'invalid_request', error_description: description });

    const kept = String(error.data.error_description);
    expect(kept.startsWith('a'.repeat(300))).toBe(true);
    expect(kept).not.toContain('b');
    expect(kept.length).toBeLessThanOrEqual(301);
  });

  it('cuts a long error value and a long text body too', async () => {
    const error = await tokenErrorFor(400, { error: 'e'.repeat(1000) });
    expect(String(error.data.error).length).toBeLessThanOrEqual(301);
    expect(String(error.data.error).startsWith('e'.repeat(300))).toBe(true);

    nock.cleanAll();
    const other = await startAnother();
    tokenEndpoint(other.hubUrl, other.codeVerifier).reply(500, 't'.repeat(5000));
    const textError = await expectConnectorError(other.finish(), ConnectorErrorCodes.General);
    expect(String(textError.data.error_description).length).toBeLessThanOrEqual(301);
    expect(String(textError.data.error_description).startsWith('t'.repeat(300))).toBe(true);
  });
});

/** A second sign-in on a hub of its own, for tests that need two. */
const startAnother = async () => {
  hubCount += 1;
  const otherHub = `https://hub-provider-errors-${hubCount}.test`;
  const otherConnector = await createTestConnector({ clientId, clientSecret, hubUrl: otherHub });
  const otherStore = createSessionStore();
  await startSignIn(otherConnector, otherStore);
  return {
    hubUrl: otherHub,
    codeVerifier: await savedCodeVerifier(otherStore),
    finish: async () => otherConnector.getUserInfo(callbackData, otherStore.getSession),
  };
};

describe('secrets in provider texts', () => {
  const serialized = (error: Error) => JSON.stringify(error) + String(error);

  it('scrubs the client secret, the code and the verifier, keeping the text around them', async () => {
    const error = await tokenErrorFor(400, {
      error: 'invalid_grant_extra',
      error_description: `client ${clientSecret} sent code ${authorizationCode} with ${codeVerifier} end`,
    });

    const text = String(error.data.error_description);
    expect(text.startsWith('client ')).toBe(true);
    expect(text).toContain(' sent code ');
    expect(text.endsWith(' end')).toBe(true);
    for (const secret of [clientSecret, authorizationCode, codeVerifier]) {
      expect(serialized(error)).not.toContain(secret);
    }
  });

  it('scrubs a secret wherever and however often it appears, in error as well', async () => {
    const error = await tokenErrorFor(400, {
      error: `x${clientSecret}`,
      error_description: `${clientSecret}${clientSecret} and ${clientSecret}`,
    });

    expect(serialized(error)).not.toContain(clientSecret);
    expect(String(error.data.error_description)).toContain(' and ');
  });

  it('scrubs anything shaped like a Hugging Face token, even one the connector never saw', async () => {
    const foreign = 'hf_someoneElsesToken_9a8b7c';
    const error = await tokenErrorFor(400, {
      error: 'invalid_request',
      error_description: `token ${foreign} is not yours`,
    });

    expect(serialized(error)).not.toContain(foreign);
    expect(serialized(error)).not.toContain('someoneElsesToken');
    expect(String(error.data.error_description)).toContain(' is not yours');
  });

  it('keeps words that merely start like a token prefix', async () => {
    const error = await tokenErrorFor(400, {
      error: 'invalid_request',
      error_description: 'see hf_docs for help',
    });

    expect(error.data.error_description).toBe('see hf_docs for help');
  });

  it('scrubs tokens an error body carries beside the error', async () => {
    const leaked = {
      access_token: 'leaked-access-9d8c7b6a',
      refresh_token: 'leaked-refresh-1a2b3c4d',
      id_token: 'leaked-id-token-5e6f7a8b',
    };
    const error = await tokenErrorFor(500, {
      error: 'server_error',
      error_description: `issued ${leaked.access_token} ${leaked.refresh_token} ${leaked.id_token} anyway`,
      ...leaked,
    });

    for (const token of Object.values(leaked)) {
      expect(serialized(error)).not.toContain(token);
    }
    expect(String(error.data.error_description)).toContain('anyway');
  });

  it('reads an error body whose token fields are not text', async () => {
    const error = await tokenErrorFor(500, {
      error: 'server_error',
      error_description: 'token store unavailable',
      access_token: 12_345,
      refresh_token: null,
      id_token: { kid: 'k1' },
    });

    expect(error.code).toBe(ConnectorErrorCodes.General);
    expect(error.data).toMatchObject({ error: 'server_error', error_description: 'token store unavailable' });
  });

  it('scrubs a four-character authorization code echoed back', async () => {
    const shortCode = 'q7Zk';
    nock(hubUrl)
      .post('/oauth/token', (form: Record<string, string>) => form.code === shortCode)
      .reply(400, { error: 'invalid_request', error_description: 'bad code q7Zk given' });

    const error = await expectConnectorError(
      connector.getUserInfo({ ...callbackData, code: shortCode }, store.getSession),
      ConnectorErrorCodes.General
    );

    expect(serialized(error)).not.toContain(shortCode);
    expect(String(error.data.error_description)).toContain('bad code ');
  });

  it('scrubs the access token, the client secret and the code from a userinfo error', async () => {
    const signIn = await signInUpToUserInfo('userinfo-error-secrets');
    nock(signIn.hubUrl)
      .get('/oauth/userinfo')
      .reply(403, {
        error: 'insufficient_scope',
        error_description: `token ${accessToken} of ${clientSecret} for ${authorizationCode} lacks scope`,
      });

    const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General, '403');

    expect(error.data).toMatchObject({ step: 'userinfo', status: 403, error: 'insufficient_scope' });
    for (const secret of [accessToken, clientSecret, authorizationCode]) {
      expect(serialized(error)).not.toContain(secret);
    }
    expect(String(error.data.error_description)).toContain('lacks scope');
  });
});

describe('unexpected failures', () => {
  it.each([
    ['an Error', new RangeError('session store exploded at row 42'), '(RangeError)'],
    ['a thrown string', 'raw failure text', '(string)'],
  ])('%s from Logto reaches Logto as General, naming only its kind', async (_case, thrown, kind) => {
    const error = await expectConnectorError(
      // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getSession is async: its failure is a rejection
      connector.getUserInfo(callbackData, async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- one case is Logto failing with a non-Error
        throw thrown;
      }),
      ConnectorErrorCodes.General,
      'failed unexpectedly',
      kind
    );

    expect(JSON.stringify(error.data)).not.toContain('exploded');
    expect(JSON.stringify(error.data)).not.toContain('raw failure text');
  });

  it('a ConnectorError from Logto keeps its code and its text', async () => {
    const original = new ConnectorError(ConnectorErrorCodes.NotImplemented, 'from Logto');

    const outcome = await connector
      // eslint-disable-next-line @typescript-eslint/require-await -- Logto's getSession is async: its failure is a rejection
      .getUserInfo(callbackData, async () => {
        throw original;
      })
      .then(
        () => undefined,
        (error: unknown) => error
      );

    expect(outcome).toBeInstanceOf(ConnectorError);
    expect((outcome as ConnectorError).code).toBe(ConnectorErrorCodes.NotImplemented);
    expect((outcome as ConnectorError).message).toContain('from Logto');
  });
});
