/**
 * A token endpoint (or a proxy in front of it) that echoes the request must not put the client
 * secret into an error in any form it travelled in: the Basic credentials, the percent- or
 * form-encoded secret, base64, or the form body with the code and the PKCE verifier.
 *
 * The encodings below are written out literally, derived by hand from RFC 6749 2.3.1 (each part
 * form-encoded, joined with ":", then base64) and RFC 3986 / WHATWG form encoding.
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import fc from 'fast-check';
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

describe('a token endpoint that answers 401 with a JSON body of its own, echoing the secret', () => {
  /** Runs a sign-in whose token endpoint answers 401 with `body`, which is not an OAuth error. */
  const signInAgainstBody = async (body: string) => {
    const hubUrl = hubUrlFor(`redaction-${++hubCount}`);
    const connector = await createTestConnector({ clientId, clientSecret, hubUrl });
    const store = createSessionStore();
    await startSignIn(connector, store);
    const scope = nock(hubUrl)
      .post('/oauth/token')
      .reply(401, body, { 'content-type': 'application/json' });
    const error = await expectConnectorError(
      connector.getUserInfo(callbackData, store.getSession),
      ConnectorErrorCodes.InvalidConfig
    );
    expect(scope.isDone()).toBe(true);
    return error;
  };

  // The secret is `Sp3c!al secret/with+plus=&more~ü`, escaped by hand as each writer does.
  it.each([
    [
      "as PHP's json_encode writes it (`\\/` for `/`, lower-case `\\u00fc`)",
      String.raw`{"message":"Invalid client secret Sp3c!al secret\/with+plus=&more~\u00fc"}`,
    ],
    [
      "as .NET's System.Text.Json writes it (`\\u002B` for `+`, `\\u0026` for `&`, upper-case hex)",
      String.raw`{"message":"Invalid client secret Sp3c!al secret/with\u002Bplus=\u0026more~\u00FC"}`,
    ],
  ])('does not quote it %s', async (_label, body) => {
    const error = await signInAgainstBody(body);

    expect(error.data).toEqual(
      expect.objectContaining({ error_description: '{"message":"Invalid client secret [redacted]"}' })
    );
  });
});

describe('a secret echoed in any JSON or percent escaping', () => {
  // 14 characters, 15 UTF-16 units: the characters JSON writers escape differently (`/`, `+`,
  // `<`, `"`, `\`, `&`), a space, `=`, a non-ASCII letter and an emoji (a surrogate pair).
  const secret = 'Ab/+<"\\ &=ü😀9z';

  // Each form written out by hand from RFC 8259 section 7 (JSON string escapes), RFC 3986
  // section 2.1 (percent-encoding of UTF-8) and the WHATWG urlencoded serializer.
  it.each([
    ['PHP json_encode (`\\/`, `\\"`, `\\\\`, lower-case `\\u` for non-ASCII)', String.raw`Ab\/+<\"\\ &=\u00fc\ud83d\ude009z`],
    [
      '.NET System.Text.Json (upper-case `\\u` for `+`, `<`, `"`, `&` and non-ASCII)',
      String.raw`Ab/\u002B\u003C\u0022\\ \u0026=\u00FC\uD83D\uDE009z`,
    ],
    [
      'every character as `\\uXXXX`, upper-case hex',
      String.raw`\u0041\u0062\u002F\u002B\u003C\u0022\u005C\u0020\u0026\u003D\u00FC\uD83D\uDE00\u0039\u007A`,
    ],
    [
      'every character as `\\uXXXX`, lower-case hex',
      String.raw`\u0041\u0062\u002f\u002b\u003c\u0022\u005c\u0020\u0026\u003d\u00fc\ud83d\ude00\u0039\u007a`,
    ],
    [
      'some characters escaped, some not, hex of mixed case within one escape',
      String.raw`\u0041b\u002f+\u003C\"\u005c \u0026=\u00Fc\uD83d\udE009\u007A`,
    ],
    ['every byte percent-encoded, letters and digits too', '%41%62%2F%2B%3C%22%5C%20%26%3D%C3%BC%F0%9F%98%80%39%7A'],
    [
      'percent-encoded with hex of mixed case, some letters and digits escaped',
      '%41b%2f%2B%3c%22%5C%20%26%3d%C3%bc%F0%9f%98%80%39z',
    ],
    [
      'form-encoded, then some `%` written as `\\u0025` (percent-encoding inside JSON escapes)',
      String.raw`Ab\u00252F\u00252B%3C%22%5C+\u0026%3D%C3%BC%F0%9F%98%809z`,
    ],
    [
      "PHP's JSON form percent-encoded (JSON inside a URL)",
      'Ab%5C%2F%2B%3C%5C%22%5C%5C%20%26%3D%5Cu00fc%5Cud83d%5Cude009z',
    ],
    [
      'percent-encoded twice',
      'Ab%252F%252B%253C%2522%255C%2520%2526%253D%25C3%25BC%25F0%259F%2598%25809z',
    ],
    [
      "PHP's JSON form JSON-escaped again (JSON quoted inside a JSON string)",
      String.raw`Ab\\/+<\\\"\\\\ &=\\u00fc\\ud83d\\ude009z`,
    ],
    ["its base64 as .NET writes it (`+` as `\\u002B`)", String.raw`QWIvKzwiXCAmPcO88J\u002BYgDl6`],
  ])('finds it %s', (_label, form) => {
    const { redact } = createRedactor(secret);

    expect(redact(`echo: ${form}.`)).toBe('echo: [redacted].');
  });

  it('replaces only the escaped secret, leaving the escapes around it as they were written', () => {
    const { redact } = createRedactor(secret);
    const before = String.raw`{"path":"\/oauth\/token","note":"\u0041%41+`;
    const after = String.raw`%2F\u00e9 \"end\""}`;

    expect(redact(`${before}${String.raw`\u0041b\u002f+\u003C\"\u005c \u0026=\u00Fc\uD83d\udE009\u007A`}${after}`)).toBe(
      `${before}[redacted]${after}`
    );
  });
});

/*
 * Test-side encoders, written from RFC 8259 section 7 and RFC 3986 section 2.1 and independent
 * of the module: each layer escapes some characters and leaves others as they are, as the
 * `choices` say, but always escapes its own escape character (and, for JSON, `"` and controls),
 * as every real writer does. Layers nest: a text may be percent-encoded, then JSON-escaped, ...
 */
type Layer = 'json' | 'percent' | 'form';

const hexOf = (value: number, digits: number, choice: number) =>
  Array.from(value.toString(16).padStart(digits, '0'))
    .map((digit, index) => ((choice >> index) & 1 ? digit.toUpperCase() : digit))
    .join('');

const jsonShortEscapes: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

// A character outside the BMP is escaped as its two UTF-16 units (a surrogate pair), or not at all.
const escapeJson = (text: string, choices: number[]) =>
  Array.from(text)
    .map((character, index) => {
      const choice = choices[index % choices.length] ?? 0;
      const mustEscape = character === '"' || character === '\\' || character.charCodeAt(0) < 0x20;
      const way = choice % 3;
      if (way === 0 && !mustEscape) {
        return character;
      }
      const short = jsonShortEscapes[character];
      return way === 1 && short
        ? short
        : character
            .split('')
            .map((unit, unitIndex) => `\\u${hexOf(unit.charCodeAt(0), 4, choice >> (2 + 4 * unitIndex))}`)
            .join('');
    })
    .join('');

const escapePercent = (text: string, choices: number[], form: boolean) =>
  Array.from(text)
    .map((character, index) => {
      const choice = choices[index % choices.length] ?? 0;
      if (form && character === ' ' && choice % 2 === 0) {
        return '+';
      }
      const mustEscape = character === '%' || (form && character === '+');
      if (choice % 3 === 0 && !mustEscape) {
        return character;
      }
      return Array.from(Buffer.from(character, 'utf8'))
        .map((byte, byteIndex) => `%${hexOf(byte, 2, choice >> (2 + 2 * byteIndex))}`)
        .join('');
    })
    .join('');

const encodeInLayers = (text: string, layers: Array<[Layer, number[]]>) =>
  layers.reduce(
    (encoded, [layer, choices]) =>
      layer === 'json' ? escapeJson(encoded, choices) : escapePercent(encoded, choices, layer === 'form'),
    text
  );

/** Any Unicode scalar value but `|`, which the property uses to mark the secret's ends. */
const secretCharacterArb = fc
  .oneof(
    // The characters escapes are made of, often, so that a secret may itself look escaped.
    fc.constantFrom(...Array.from('\\"/+%& =<>\'\b\f\n\r\tuU0123456789abcdefABCDEF')),
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0x10ffff })
  )
  .map((value) => (typeof value === 'number' ? String.fromCodePoint(value) : value))
  .filter((character) => character !== '|');

const layersArb = fc.array(
  fc.tuple(
    fc.constantFrom<Layer>('json', 'percent', 'form'),
    fc.array(fc.nat({ max: 1023 }), { minLength: 1, maxLength: 48 })
  ),
  { minLength: 1, maxLength: 3 }
);

describe('a secret escaped in up to three layers, each character escaped or not', () => {
  it('is always replaced, and the text around it is kept as written', () => {
    const before = String.raw`said \u0041\/%41+%2B: "`;
    const after = String.raw`\"%C3%A9 \ud83d\ude00 %zz \u12 end`;
    fc.assert(
      fc.property(
        fc.array(secretCharacterArb, { minLength: 8, maxLength: 24 }).map((characters) => characters.join('')),
        layersArb,
        (secret, layers) => {
          const { redact } = createRedactor(secret);

          expect(redact(`${before}|${encodeInLayers(secret, layers)}|${after}`)).toBe(
            `${before}|[redacted]|${after}`
          );
        }
      ),
      { numRuns: 1000 }
    );
  });
});

describe('a short secret', () => {
  it('is removed where it stands alone, and not from inside the words around it', () => {
    // Only a caller can send a value this short (a callback's `code`): Hugging Face's codes and
    // tokens, and the client secrets the config accepts, are longer.
    const { redact } = createRedactor('o', 'abcdefgh');

    expect(redact('Could not read the Logto instance: o, \\u006f; xxabcdefghyy')).toBe(
      'Could not read the Logto instance: [redacted], [redacted]; xx[redacted]yy'
    );
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

  it('removes the base64 forms of a secret escaped by JSON or percent-encoding', () => {
    const { redact } = createRedactor(secret);

    expect(
      redact(
        String.raw`PHP aHViLXNlY3JldH4\/Pj8+Pz4\/Pj8+IQ== .NET aHViLXNlY3JldH4/Pj8\u002BPz4/Pj8\u002BIQ== ` +
          'URL aHViLXNlY3JldH4%2FPj8%2BPz4%2FPj8%2BIQ%3D%3D.'
      )
    ).toBe('PHP [redacted] .NET [redacted] URL [redacted].');
  });

  it('removes anything shaped like a Hugging Face token, escaped or not', () => {
    const { redact } = createRedactor();

    expect(redact(String.raw`token hf\u005Foauth_9f3b2a, hf%5foauth%5F9f3b2a and hf_oauth_9f3b2a.`)).toBe(
      'token [redacted], [redacted] and [redacted].'
    );
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
