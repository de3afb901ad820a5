/**
 * Removing secrets from what reaches an error, in any form they travelled in: as is, in base64,
 * JSON-escaped or percent-encoded in up to three layers (the single layers are checked in
 * escapes.test.ts). Encodings are written out by hand from RFC 6749 2.3.1 (each part form-encoded,
 * joined with ":", then base64), RFC 8259 section 7, RFC 3986 section 2.1 and WHATWG form encoding.
 */
import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import fc from 'fast-check';
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { createRedactor } from '../../src/redaction.js';
import { expectConnectorError, isolateNetwork, startSignIn } from '../support/kit.js';

isolateNetwork();

/** 32 characters with a space, `/`, `+`, `=`, `&`, `~`, `!` and a non-ASCII letter. */
const clientSecret = 'Sp3c!al secret/with+plus=&more~ü';

/** The Authorization header's value: `hf-test-client-id:Sp3c!al+secret%2Fwith%2Bplus%3D%26more~%C3%BC` in base64. */
const basicCredentials =
  'aGYtdGVzdC1jbGllbnQtaWQ6U3AzYyFhbCtzZWNyZXQlMkZ3aXRoJTJCcGx1cyUzRCUyNm1vcmV+JUMzJUJD';

/**
 * Runs a sign-in whose token endpoint, sent exactly the Basic credentials above, answers 400 with
 * `echo` of the form body as its description.
 */
const signInAgainstEcho = async (echo: (body: string) => string) => {
  const signIn = await startSignIn({ config: { clientSecret } });
  nock(signIn.hubUrl)
    .post('/oauth/token')
    .matchHeader('authorization', `Basic ${basicCredentials}`)
    .reply(400, (_uri, body) => ({
      error: 'invalid_request',
      error_description: echo(typeof body === 'string' ? body : JSON.stringify(body)),
    }));
  const error = await expectConnectorError(signIn.finish(), ConnectorErrorCodes.General);
  return { error, signIn };
};

describe('a token endpoint that echoes the request', () => {
  it.each([
    ['the secret as is', clientSecret, '[redacted]'],
    ['the Authorization header value (RFC 6749: form-encoded parts, then base64)', basicCredentials, '[redacted]'],
    [
      'base64 of client_id:client_secret as Hugging Face documents it',
      'aGYtdGVzdC1jbGllbnQtaWQ6U3AzYyFhbCBzZWNyZXQvd2l0aCtwbHVzPSZtb3JlfsO8',
      '[redacted]',
    ],
    ['the whole Authorization header', `Basic ${basicCredentials}`, 'Basic [redacted]'],
  ])('does not quote %s', async (_label, form, quoted) => {
    const { error } = await signInAgainstEcho(() => `received: ${form} (end)`);

    expect(error.data.error_description).toBe(`received: ${quoted} (end)`);
    expect([error.message, String(error.stack), JSON.stringify(error.data)].join('\n')).not.toContain(form);
  });

  it('does not quote the code or the PKCE verifier of the form body', async () => {
    const { error, signIn } = await signInAgainstEcho((body) => `body was ${body}`);

    expect(error.data.error_description).toBe(
      'body was grant_type=authorization_code&code=[redacted]&redirect_uri=https%3A%2F%2Flogto.test%2Fcallback%2Fhf-connector&code_verifier=[redacted]'
    );
    expect(JSON.stringify(error.data)).not.toContain(signIn.codeVerifier);
  });
});

describe('a secret echoed in any JSON or percent escaping', () => {
  // 14 characters, 15 UTF-16 units: the characters JSON writers escape differently (`/`, `+`,
  // `<`, `"`, `\`, `&`), a space, `=`, a non-ASCII letter and an emoji (a surrogate pair).
  const secret = 'Ab/+<"\\ &=ü😀9z';

  it.each([
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

describe('the redactor of one call', () => {
  // 22 bytes: its base64 ends in "==", which a server may drop (RFC 4648 §3.2 allows no
  // padding), and holds "/" and "+", so the unpadded form differs from base64url.
  const secret = 'hub-secret~?>?>?>?>?>!';
  const base64 = 'aHViLXNlY3JldH4/Pj8+Pz4/Pj8+IQ==';
  const unpadded = 'aHViLXNlY3JldH4/Pj8+Pz4/Pj8+IQ';
  const base64urlPadded = 'aHViLXNlY3JldH4_Pj8-Pz4_Pj8-IQ==';

  it('removes the base64 and base64url forms of a secret with and without their padding', () => {
    const { redact } = createRedactor(secret);

    expect(redact(`${base64} ${unpadded} ${base64urlPadded}.`)).toBe('[redacted] [redacted] [redacted].');
  });

  it('removes two secrets that overlap in a text as one', () => {
    const { redact } = createRedactor('secret-one-AAAA', 'AAAA-secret-two');

    expect(redact('<secret-one-AAAA-secret-two>')).toBe('<[redacted]>');
  });

  it('removes a short secret where it stands alone, and not from inside the words around it', () => {
    // Only a caller can send a value this short (a callback's `code`): Hugging Face's codes and
    // tokens, and the client secrets the config accepts, are longer.
    const { redact } = createRedactor('o', 'abcdefgh');

    expect(redact('Could not read the Logto instance: o, \\u006f; xxabcdefghyy')).toBe(
      'Could not read the Logto instance: [redacted], [redacted]; xx[redacted]yy'
    );
  });

  it("removes a short secret's base64 forms where they stand alone, and not from inside a word", () => {
    // "abcdefg" in base64 is "YWJjZGVmZw==", the same as base64url; unpadded "YWJjZGVmZw".
    const { redact } = createRedactor('abcdefg');

    expect(redact('YWJjZGVmZw, xYWJjZGVmZwx')).toBe('[redacted], xYWJjZGVmZwx');
  });

  it('removes a long secret inside a word even when it is also the base64 of a short one', () => {
    // "YWJjZGVmZw==" is "abcdefg" in base64 (RFC 4648 §4); hidden as a secret of its own, it is
    // removed wherever it stands, whichever secret was hidden first.
    const longFirst = createRedactor('YWJjZGVmZw==', 'abcdefg');
    const shortFirst = createRedactor('abcdefg', 'YWJjZGVmZw==');

    expect([longFirst.redact('idYWJjZGVmZw=='), shortFirst.redact('idYWJjZGVmZw==')]).toEqual(['id[redacted]', 'id[redacted]']);
  });

  it('removes anything shaped like a Hugging Face token, escaped or not', () => {
    const { redact } = createRedactor();

    expect(redact(String.raw`token hf\u005Foauth_9f3b2a, hf%5foauth%5F9f3b2a and hf_oauth_9f3b2a.`)).toBe(
      'token [redacted], [redacted] and [redacted].'
    );
  });

  it('removes a secret that is not well-formed UTF-16 where it travelled with U+FFFD for each lone surrogate', () => {
    const { redact } = createRedactor('code-\ud800-lone-\udc00-surrogates');

    expect(redact('code was code-\uFFFD-lone-\uFFFD-surrogates')).toBe('code was [redacted]');
  });

  it.each([
    [
      'an object: each text redacted, the numbers kept',
      { errorDescription: `failed with ${secret}`, error_description: secret, status: 401 },
      { errorDescription: 'failed with [redacted]', error_description: '[redacted]', status: 401 },
    ],
    ['a text, which connector-kit keeps as its message', `store said ${secret}`, { message: 'store said [redacted]' }],
    ['absent', undefined, undefined],
  ])('redacts an error whose data is %s, keeping its code', (_case, data, redacted) => {
    const error = createRedactor(secret).redactError(new ConnectorError(ConnectorErrorCodes.NotImplemented, data));

    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.code).toBe(ConnectorErrorCodes.NotImplemented);
    expect(error.data).toEqual(redacted);
  });
});
