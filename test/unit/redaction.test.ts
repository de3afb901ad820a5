/**
 * A token endpoint (or a proxy in front of it) that echoes the request must not put the client
 * secret into an error in any form it travelled in: the Basic credentials, the percent- or
 * form-encoded secret, base64, or the form body with the code and the PKCE verifier.
 *
 * The encodings below are written out literally, derived by hand from RFC 6749 2.3.1 (each part
 * form-encoded, joined with ":", then base64) and RFC 3986 / WHATWG form encoding.
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { createRedactor } from '../../src/redaction.js';

import {
  callbackData,
  clientId,
  createSessionStore,
  createTestConnector,
  expectConnectorError,
  hubUrlFor,
  isolateNetwork,
  savedCodeVerifier,
  startSignIn,
} from './fixtures.js';

isolateNetwork();

/** 32 characters with a space, `/`, `+`, `=`, `&`, `~`, `!` and a non-ASCII letter. */
const clientSecret = 'Sp3c!al secret/with+plus=&more~ü';

/** Every form of the secret a careless server could echo, labelled for readable failures. */
const secretForms: Record<string, string> = {
  'the secret as is': clientSecret,
  'the Authorization header value (RFC 6749: form-encoded parts, then base64)':
    'aGYtdW5pdC1jbGllbnQtaWQ6U3AzYyFhbCtzZWNyZXQlMkZ3aXRoJTJCcGx1cyUzRCUyNm1vcmV+JUMzJUJD',
  'base64 of client_id:client_secret as Hugging Face documents it':
    'aGYtdW5pdC1jbGllbnQtaWQ6U3AzYyFhbCBzZWNyZXQvd2l0aCtwbHVzPSZtb3JlfsO8',
  'the secret URL-encoded (encodeURIComponent)': 'Sp3c!al%20secret%2Fwith%2Bplus%3D%26more~%C3%BC',
  'the secret form-encoded': 'Sp3c%21al+secret%2Fwith%2Bplus%3D%26more%7E%C3%BC',
  'the secret form-encoded with lower-case escapes': 'Sp3c%21al+secret%2fwith%2bplus%3d%26more%7e%c3%bc',
  'the secret in base64': 'U3AzYyFhbCBzZWNyZXQvd2l0aCtwbHVzPSZtb3JlfsO8',
  'the secret JSON-escaped inside a JSON text': 'Sp3c!al secret/with+plus=&more~\\u00fc',
};

let hubCount = 0;

/** Runs a sign-in whose token endpoint answers 400 with `echo` of the request as its description. */
const signInAgainstEcho = async (echo: (request: { authorization: string; body: string }) => string) => {
  const hubUrl = hubUrlFor(`redaction-${++hubCount}`);
  const connector = await createTestConnector({ clientId, clientSecret, hubUrl });
  const store = createSessionStore();
  await startSignIn(connector, store);
  const verifier = await savedCodeVerifier(store);
  const scope = nock(hubUrl)
    .post('/oauth/token')
    .reply(function (_uri, body) {
      const authorization = String(this.req.headers.authorization);
      return [400, { error: 'invalid_request', error_description: echo({ authorization, body: typeof body === 'string' ? body : JSON.stringify(body) }) }];
    });
  const error = await expectConnectorError(
    connector.getUserInfo(callbackData, store.getSession),
    ConnectorErrorCodes.General
  );
  expect(scope.isDone()).toBe(true);
  return { error, verifier };
};

const exposedText = (error: Error & { data?: unknown }) =>
  [error.message, String(error.stack), JSON.stringify(error.data)].join('\n');

describe('a token endpoint that echoes the request', () => {
  it('has sent the Basic credentials this suite expects', async () => {
    let seen = '';
    await signInAgainstEcho(({ authorization }) => {
      seen = authorization;
      return 'nothing';
    });

    expect(seen).toBe(`Basic ${secretForms['the Authorization header value (RFC 6749: form-encoded parts, then base64)']}`);
  });

  it.each(Object.entries(secretForms))('does not quote %s', async (_label, form) => {
    const { error } = await signInAgainstEcho(() => `received: ${form} (end)`);

    expect(exposedText(error)).not.toContain(form);
    expect(error.data).toEqual(
      expect.objectContaining({ error_description: 'received: [redacted] (end)' })
    );
  });

  it('does not quote the whole Authorization header', async () => {
    const { error } = await signInAgainstEcho(({ authorization }) => `header was ${authorization}`);

    expect(error.data).toEqual(
      expect.objectContaining({ error_description: 'header was Basic [redacted]' })
    );
  });

  it('does not quote the form body: neither the code nor the PKCE verifier', async () => {
    const { error, verifier } = await signInAgainstEcho(({ body }) => `body was ${body}`);

    const text = exposedText(error);
    expect(text).not.toContain(verifier);
    expect(text).not.toContain(callbackData.code);
    expect(text).toContain('grant_type=authorization_code');
  });
});

describe('a secret that is not well-formed UTF-16', () => {
  it('is still redacted, and redacting it does not throw', async () => {
    // A lone surrogate: encodeURIComponent throws on it; it travels as U+FFFD.
    const code = 'code-\ud800-lone-surrogate';
    const hubUrl = hubUrlFor(`redaction-${++hubCount}`);
    const connector = await createTestConnector({ clientId, clientSecret, hubUrl });
    const store = createSessionStore();
    await startSignIn(connector, store);
    nock(hubUrl)
      .post('/oauth/token')
      .reply(400, { error: 'invalid_grant', error_description: `code was code-\uFFFD-lone-surrogate` });

    const error = await expectConnectorError(
      connector.getUserInfo({ code }, store.getSession),
      ConnectorErrorCodes.SocialAuthCodeInvalid
    );

    expect(error.data).toEqual(expect.objectContaining({ error_description: 'code was [redacted]' }));
  });
});

describe('the redactor of one call', () => {
  // 22 bytes: its base64 ends in "==", which a server may drop (RFC 4648 §3.2 allows no
  // padding), and holds "/" and "+", so the unpadded form differs from base64url.
  const secret = 'hub-secret~?>?>?>?>?>!';
  const base64 = 'aHViLXNlY3JldH4/Pj8+Pz4/Pj8+IQ==';
  const unpadded = 'aHViLXNlY3JldH4/Pj8+Pz4/Pj8+IQ';

  it('removes the base64 form of a secret with and without its padding', () => {
    const { redact } = createRedactor(secret);

    expect(redact(`padded ${base64} unpadded ${unpadded}.`)).toBe('padded [redacted] unpadded [redacted].');
  });

  it('redacts every text of an error whose data is an object, and keeps its code and numbers', () => {
    const { redactError } = createRedactor(secret);
    const error = new ConnectorError(ConnectorErrorCodes.General, {
      errorDescription: `failed with ${secret}`,
      error_description: secret,
      status: 401,
    });

    const redacted = redactError(error);

    expect(redacted).toBeInstanceOf(ConnectorError);
    expect(redacted.code).toBe(ConnectorErrorCodes.General);
    expect(redacted.data).toEqual({
      errorDescription: 'failed with [redacted]',
      error_description: '[redacted]',
      status: 401,
    });
  });

  it('redacts an error raised with a text, which connector-kit keeps as its message', () => {
    const { redactError } = createRedactor(secret);

    const redacted = redactError(new ConnectorError(ConnectorErrorCodes.General, `store said ${secret}`));

    expect(redacted.data).toEqual({ message: 'store said [redacted]' });
  });

  it('keeps an error raised without data as it is', () => {
    const { redactError } = createRedactor(secret);

    const redacted = redactError(new ConnectorError(ConnectorErrorCodes.NotImplemented));

    expect(redacted.code).toBe(ConnectorErrorCodes.NotImplemented);
    expect(redacted.data).toBeUndefined();
  });
});
