/**
 * Generators of the property suite: callback data, configs and Hugging Face answers of every
 * shape, written as JSON text with slots that each case fills with fresh secrets.
 */
import fc from 'fast-check';

import { distinctive, type ScriptedAnswer } from '../support.js';
import { documentedScopes, isRetryableStatus, responseCapBytes } from './model.js';

/**
 * Per-attempt time limit every case configures, in milliseconds: the largest allowed, since no
 * scripted answer is late and no case may run out of time because the machine is busy.
 */
export const requestTimeoutMs = 30_000;

/** The `sub` of the user of a valid userinfo. */
export const fixedSub = 'hostile-user-0001';

/** The client ID every case configures. */
export const clientId = 'hf-hostile-client';

/** The `kid` of the key that signs the cases' ID tokens. */
export const jwtKeyId = 'hostile-key';

// ---------------------------------------------------------------------------------------------
// Per-case secrets. Generated texts hold placeholders that each case fills with fresh values.

/** Placeholders a generated text may hold, replaced per case by {@link fill}. */
export const slots = {
  secret: '@@secret@@',
  code: '@@code@@',
  verifier: '@@verifier@@',
  access: '@@access@@',
  refresh: '@@refresh@@',
  idToken: '@@idtoken@@',
  state: '@@state@@',
  hub: '@@hub@@',
  /** The `Authorization` header the token endpoint received. */
  basic: '@@basic@@',
  /** The client secret percent-encoded, as it travels in a URL or a form. */
  encodedSecret: '@@encoded-secret@@',
} as const;

/** Values of the slots of one case. */
export type SlotValues = Partial<Record<keyof typeof slots, string>>;

/** Replaces every slot of a template with the case's value. */
export const fill = (template: string, values: SlotValues): string => {
  let text = template;
  // A slot may be present with the value `undefined`, which the Partial type hides from entries.
  const entries: Array<[string, string | undefined]> = Object.entries(values);
  for (const [name, value] of entries) {
    if (value !== undefined) {
      text = text.replaceAll(slots[name as keyof typeof slots], value);
    }
  }
  return text;
};

/** The secrets of one case. */
export type CaseSecrets = { secret: string; code: string; access: string; refresh: string };

/**
 * Fresh secrets for one case. The client secret holds `/`, `+`, `=` and a space, so that its
 * percent-, form- and base64 encodings all differ from it.
 *
 * @param hfShapedTokens - Shape the tokens like Hugging Face's (`hf_oauth_…`), which the
 *   connector recognises even in a body it cannot parse; otherwise only their value can.
 */
export const freshSecrets = (hfShapedTokens = false): CaseSecrets => ({
  secret: `${distinctive('secret')}/+= x`,
  code: distinctive('code'),
  access: hfShapedTokens ? `hf_oauth_${distinctive('access')}` : distinctive('access'),
  refresh: hfShapedTokens ? `hf_oauth_${distinctive('refresh')}` : distinctive('refresh'),
});

/**
 * The forms of the client secret that reach the token endpoint, derived from RFC 6749 2.3.1
 * (each part form-encoded, then `client_id:client_secret` in base64) and the WHATWG form
 * encoding, labelled for the secrecy check.
 */
export const secretForms = (secret: string): Record<string, string> => {
  const formEncoded = new URLSearchParams({ v: secret }).toString().slice(2);
  const clientIdEncoded = new URLSearchParams({ v: clientId }).toString().slice(2);
  return {
    clientSecret: secret,
    clientSecretUrlEncoded: encodeURIComponent(secret),
    clientSecretFormEncoded: formEncoded,
    basicCredentials: Buffer.from(`${clientIdEncoded}:${formEncoded}`).toString('base64'),
  };
};

/** A text as it travels in UTF-8: a lone surrogate becomes U+FFFD. */
export const asSent = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

// ---------------------------------------------------------------------------------------------
// Generators shared by the properties.
/** Keys that trip naive object handling. */
const trickyKeyArb = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__'
);

const unicodeTextArb = fc.string({ maxLength: 24, unit: 'grapheme' });
const anyTextArb = fc.oneof(
  fc.string({ maxLength: 24 }),
  unicodeTextArb,
  fc.string({ maxLength: 12, unit: 'binary' })
);

/** A string of exactly the given length in UTF-16 units, as zod counts. */
const hugeTextArb = (lengths: number[]) =>
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 3, unit: 'grapheme' }), fc.constantFrom(...lengths))
    .map(([seed, length]) => seed.repeat(Math.ceil(length / seed.length)).slice(0, length));

const anyJsonArb = fc.jsonValue({ maxDepth: 3 });
const nonStringJsonArb = anyJsonArb.filter((value) => typeof value !== 'string');

/** A JSON value written as JSON text. */
const jsonText = (value: unknown) => {
  // JSON.stringify returns undefined for undefined, functions and symbols, which its type hides.
  return (JSON.stringify(value) as string | undefined) ?? 'null';
};

/** Entries written as a JSON object text; keys may repeat and include `__proto__`. */
export const objectText = (entries: Array<[string, string]>) =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;

const extraEntriesArb = (keys: fc.Arbitrary<string>) =>
  fc.array(
    fc.tuple(
      fc.oneof(trickyKeyArb, keys, fc.string({ maxLength: 10 })),
      anyJsonArb.map((value) => jsonText(value))
    ),
    { maxLength: 4 }
  );

/**
 * Free text that may echo secrets: a server reflects what it received (the token endpoint the
 * code, the verifier and the client credentials; the userinfo endpoint the access token), and
 * the client secret is echoed everywhere since nothing may ever show it.
 */
const echoTextArb = (echoed: string[]) =>
  fc
    .array(fc.oneof(anyTextArb, fc.constantFrom(...echoed)), { maxLength: 6 })
    .map((parts) => parts.join(' '));

/** What a token endpoint may echo: the secret in any form it travelled, the code, the verifier. */
const tokenEndpointEchoes = [
  slots.secret,
  slots.encodedSecret,
  slots.basic,
  slots.code,
  slots.verifier,
];
/** What a userinfo endpoint may echo. */
const userInfoEndpointEchoes = [slots.secret, slots.access];

// ---------------------------------------------------------------------------------------------
// (a) Callback data.


const stringValue = (arb: fc.Arbitrary<string>) => arb.map((text) => JSON.stringify(text));

const callbackFieldArb = (weights: {
  slot?: string;
  scripted?: fc.Arbitrary<string>;
}): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    ...(weights.slot ? [{ arbitrary: fc.constant(JSON.stringify(weights.slot)), weight: 14 }] : []),
    ...(weights.scripted ? [{ arbitrary: stringValue(weights.scripted), weight: 3 }] : []),
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: stringValue(anyTextArb), weight: 1 },
    { arbitrary: stringValue(hugeTextArb([4095, 4096, 4097, 20_000])), weight: 1 },
    { arbitrary: nonStringJsonArb.map((value) => jsonText(value)), weight: 1 },
    { arbitrary: fc.constant('""'), weight: 1 }
  );

const structuredCallbackArb = fc
  .record({
    code: callbackFieldArb({ slot: slots.code }),
    state: callbackFieldArb({ slot: slots.state }),
    error: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 8 },
      {
        arbitrary: callbackFieldArb({
          scripted: fc.constantFrom(
            'access_denied',
            'invalid_scope',
            'server_error',
            'invalid_request',
            'server_error\r\nX-Injected: 1',
            slots.code
          ),
        }),
        weight: 4,
      }
    ),
    error_description: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 6 },
      {
        arbitrary: callbackFieldArb({
          scripted: fc.oneof(
            echoTextArb([slots.code]),
            fc.constantFrom(
              'The scope "x" is not enabled',
              'User denied',
              'line one\r\nSet-Cookie: forged=1',
              '<script>alert(1)</script>\u0000\u2028'
            )
          ),
        }),
        weight: 4,
      }
    ),
    redirectUri: fc.option(stringValue(anyTextArb), { nil: undefined }),
    extras: extraEntriesArb(fc.constantFrom('code', 'state', 'error', 'error_description')),
  })
  .map(({ extras, ...fields }) =>
    objectText([
      ...Object.entries(fields).filter(
        (entry): entry is [string, string] => entry[1] !== undefined
      ),
      ...extras,
    ])
  );

/** JSON text of the data Logto's sign-in page could post, with `code` and `state` slots. */
export const callbackArb = fc.oneof(
  { arbitrary: structuredCallbackArb, weight: 4 },
  { arbitrary: anyJsonArb.map((value) => jsonText(value)), weight: 1 }
);


// (b) Configs.

const hexId = fc.string({
  minLength: 24,
  maxLength: 24,
  unit: fc.constantFrom(...'0123456789abcdefABCDEF'.split('')),
});

const scopeTextArb = fc
  .tuple(fc.subarray([...documentedScopes]), fc.constantFrom(' ', '  ', '\n', '\t '))
  .map(([scopes, separator]) => scopes.join(separator));

const baseConfigArb = fc.record({
  clientId: fc.oneof(
    fc.constant(clientId),
    fc.string({ minLength: 1, maxLength: 40 }).filter((text) => text.trim() !== ''),
    fc.constant(`  ${clientId}\n`)
  ),
  clientSecret: fc.constant(slots.secret),
  scope: fc.option(scopeTextArb, { nil: undefined }),
  orgIds: fc.option(
    fc
      .tuple(fc.array(hexId, { maxLength: 3 }), fc.constantFrom(',', ' ', ', '))
      .map(([ids, separator]) => ids.join(separator)),
    { nil: undefined }
  ),
  authorizedOrgs: fc.option(
    fc.oneof(
      fc.array(fc.constantFrom('huggingface', 'Acme-Lab', 'my.org', '0123456789abcdef01234567'), {
        maxLength: 3,
      }),
      fc.constantFrom('huggingface', 'huggingface, acme', '')
    ),
    { nil: undefined }
  ),
  hubUrl: fc.option(
    fc.constantFrom(
      slots.hub,
      'https://huggingface.co',
      'https://hub.example/',
      'https://hub.example/base//',
      'http://localhost:8080',
      'http://[::1]:9',
      'http://127.0.0.2'
    ),
    { nil: undefined }
  ),
  requestTimeoutMs: fc.option(
    fc.oneof(
      fc.integer({ min: 500, max: 30_000 }),
      fc.integer({ min: 500, max: 30_000 }).map(String)
    ),
    { nil: undefined }
  ),
});

const configKeys = [
  'clientId',
  'clientSecret',
  'scope',
  'orgIds',
  'authorizedOrgs',
  'hubUrl',
  'requestTimeoutMs',
] as const;

/** Hostile values for one config field, as JSON text. */
const hostileConfigValueArb = fc.oneof(
  anyJsonArb.map((value) => jsonText(value)),
  hugeTextArb([5000, 100_000]).map((text) => JSON.stringify(text)),
  fc.constantFrom(
    'null',
    '0',
    '-1',
    '499',
    '30001',
    '600.5',
    '[600]',
    'true',
    '{"toString":1,"valueOf":1}',
    '{"__proto__":{"clientSecret":"x"}}',
    '{"constructor":{"prototype":{"polluted":true}}}'
  ),
  stringValue(
    fc.constantFrom(
      '',
      ' ',
      '\t\n',
      'null',
      'undefined',
      '1e3',
      '0x258',
      ' 600 ',
      'NaN',
      'Infinity',
      'http://evil.example',
      'https://user:pass@huggingface.co',
      'https://huggingface.co/?q=1',
      'https://huggingface.co/#fragment',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'http://127.0.0.1.evil.example',
      'http://localhost.evil.example',
      'ftp://huggingface.co',
      '//huggingface.co',
      'openid,profile',
      'profile profile',
      'admin',
      'g'.repeat(24),
      'ML Lab',
      ' , ',
      ',\n,',
      'x',
      '0123456789abcde',
      `https://hub.example/${'/'.repeat(5000)}x`,
      '../../etc',
      '\u0000',
      '🤗',
      'ＨＴＴＰＳ://huggingface.co'
    )
  )
);

/** A config case: JSON text with slots, or a `getConfig` that throws. */
export type ConfigCase = { throws: true } | { throws: false; text: string };

const mutatedConfigArb = fc
  .tuple(
    baseConfigArb,
    fc.oneof(
      fc.record({ key: fc.constantFrom(...configKeys), action: fc.constant<'delete'>('delete') }),
      fc.record({
        key: fc.oneof(fc.constantFrom(...configKeys), trickyKeyArb),
        action: fc.constant<'set'>('set'),
        value: hostileConfigValueArb,
      }),
      fc.record({ key: fc.constant('none'), action: fc.constant<'keep'>('keep') })
    )
  )
  .map(([base, mutation]): ConfigCase => {
    const entries = Object.entries(base)
      .filter(([, value]) => value !== undefined)
      .filter(([key]) => !(mutation.action === 'delete' && key === mutation.key))
      .map(([key, value]): [string, string] => [key, jsonText(value)]);
    if (mutation.action === 'set') {
      // Written last, so it replaces the field; `__proto__` becomes an own key, as in JSON.parse.
      entries.push([mutation.key, mutation.value]);
    }
    return { throws: false, text: objectText(entries) };
  });

/** Any config: near-valid ones with one hostile field, any JSON, or a throwing `getConfig`. */
export const configArb: fc.Arbitrary<ConfigCase> = fc.oneof(
  { arbitrary: mutatedConfigArb, weight: 8 },
  {
    arbitrary: anyJsonArb.map((value): ConfigCase => ({ throws: false, text: jsonText(value) })),
    weight: 2,
  },
  { arbitrary: fc.constant<ConfigCase>({ throws: true }), weight: 1 }
);

// ---------------------------------------------------------------------------------------------
// (c) Token and userinfo answers.

const contentTypeArb = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/html',
  'text/plain; charset=iso-8859-1',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  ''
);

const oauthErrorBodyArb = (echoed: string[]) =>
  fc
  .record({
    error: fc.oneof(
      stringValue(
        fc.constantFrom(
          'invalid_grant',
          'invalid_client',
          'invalid_request',
          'unauthorized_client',
          'server_error'
        )
      ),
      stringValue(echoTextArb(echoed)),
      nonStringJsonArb.map((value) => jsonText(value))
    ),
    description: fc.option(stringValue(echoTextArb(echoed)), { nil: undefined }),
  })
  .map(({ error, description }) =>
    objectText([
      ['error', error],
      ...(description ? [['error_description', description] as [string, string]] : []),
    ])
  );

/** Bodies of any shape that are not built as a success. */
const garbageBodyArb = (validBody: fc.Arbitrary<string>, echoed: string[]) =>
  fc.oneof(
    anyJsonArb.map((value) => jsonText(value)),
    validBody.chain((text) =>
      fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut))
    ),
    fc.constant(''),
    echoTextArb(echoed).map((text) => `<html><body>Bad request: ${text}</body></html>`),
    echoTextArb(echoed),
    oauthErrorBodyArb(echoed),
    hugeTextArb([200_000]).map((text) => JSON.stringify(text)),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1'))
  );

const tokenFieldEntries = fc.record({
  tokenType: fc.constantFrom('bearer', 'Bearer', 'BEARER'),
  expiresIn: fc.option(
    fc.oneof(
      fc.nat().map(String),
      fc.nat().map((value) => JSON.stringify(String(value)))
    ),
    { nil: undefined }
  ),
  scope: fc.option(stringValue(fc.constantFrom('profile', 'openid profile email', '')), {
    nil: undefined,
  }),
  refresh: fc.boolean(),
  idToken: fc.boolean(),
});

const validTokenBodyArb = (withIdToken: 'never' | 'maybe') =>
  fc.tuple(tokenFieldEntries, extraEntriesArb(fc.constantFrom('foo'))).map(([fields, extras]) => {
    const entries: Array<[string, string | undefined]> = [
      ...extras,
      ['access_token', JSON.stringify(slots.access)],
      ['token_type', JSON.stringify(fields.tokenType)],
      ['expires_in', fields.expiresIn],
      ['scope', fields.scope],
      ['refresh_token', fields.refresh ? JSON.stringify(slots.refresh) : undefined],
      [
        'id_token',
        withIdToken === 'maybe' && fields.idToken ? JSON.stringify(slots.idToken) : undefined,
      ],
    ];
    return objectText(entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
  });

/** A success body with one field replaced or removed. */
const mutatedTokenBodyArb = fc
  .tuple(
    fc.constantFrom('access_token', 'token_type', 'expires_in', 'scope', 'refresh_token', 'id_token'),
    fc.option(
      fc.oneof(
        anyJsonArb,
        fc.constantFrom<unknown>('', 0, -1, '12a', '-5', 'mac', 'bearer ', null, [], {}, 1.5)
      ),
      { nil: undefined }
    )
  )
  .map(([key, value]) => {
    const fields: Record<string, string> = {
      access_token: JSON.stringify(slots.access),
      token_type: '"bearer"',
      expires_in: '3600',
      scope: '"profile"',
      refresh_token: JSON.stringify(slots.refresh),
    };
    const { [key]: _replaced, ...kept } = fields;
    const entries = Object.entries(kept);
    if (value !== undefined) {
      entries.push([key, jsonText(value)]);
    }
    return objectText(entries);
  });

const subArb = fc.oneof(
  fc.constant(fixedSub),
  fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }).filter((text) => text.trim() !== ''),
  hexId
);

const validUserInfoBodyArb = fc
  .record({
    sub: subArb,
    name: fc.option(fc.oneof(anyTextArb, anyJsonArb), { nil: undefined }),
    preferred_username: fc.option(anyTextArb, { nil: undefined }),
    picture: fc.option(fc.oneof(fc.webUrl(), anyJsonArb), { nil: undefined }),
    email: fc.option(fc.oneof(fc.emailAddress(), anyTextArb, anyJsonArb), { nil: undefined }),
    email_verified: fc.option(fc.oneof(fc.boolean(), fc.constantFrom<unknown>('true', 1, null)), {
      nil: undefined,
    }),
    isPro: fc.option(fc.boolean(), { nil: undefined }),
    orgs: fc.option(fc.array(anyJsonArb, { maxLength: 3 }), { nil: undefined }),
    extras: extraEntriesArb(fc.constantFrom('sub', 'email', 'email_verified')),
    // Arrays nested this deep under `nested`; around the 16-level bound, or far past it.
    nesting: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 12 },
      { arbitrary: fc.integer({ min: 13, max: 18 }), weight: 2 },
      { arbitrary: fc.constantFrom(1000, 20_000), weight: 1 }
    ),
  })
  .map(({ extras, nesting, ...fields }) =>
    objectText([
      ...Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]): [string, string] => [key, jsonText(value)]),
      ...extras,
      ...(nesting === undefined
        ? []
        : [['nested', `${'['.repeat(nesting)}${']'.repeat(nesting)}`] as [string, string]]),
    ])
  );

/** A userinfo whose `sub` is missing, blank or not text. */
const mutatedUserInfoBodyArb = fc
  .tuple(
    fc.option(fc.oneof(nonStringJsonArb, fc.constantFrom<unknown>('', '   ', '\n')), {
      nil: undefined,
    }),
    anyTextArb
  )
  .map(([sub, name]) =>
    objectText([
      ['name', JSON.stringify(name)],
      ...(sub === undefined ? [] : [['sub', jsonText(sub)] as [string, string]]),
    ])
  );

/** A body: its text (with slots) and, sometimes, a size to pad a JSON object to around the cap. */
type BodySpec = { text: string; padTo?: number };

const bodySpecArb = (
  valid: fc.Arbitrary<string>,
  mutated: fc.Arbitrary<string>,
  echoed: string[],
  validWeight: number
): fc.Arbitrary<BodySpec> =>
  fc.record({
    text: fc.oneof(
      { arbitrary: valid, weight: validWeight },
      { arbitrary: mutated, weight: 2 },
      { arbitrary: garbageBodyArb(valid, echoed), weight: 3 }
    ),
    padTo: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 30 },
      {
        arbitrary: fc.constantFrom(
          responseCapBytes - 1,
          responseCapBytes,
          responseCapBytes + 1,
          responseCapBytes + 4096,
          2 * responseCapBytes
        ),
        weight: 1,
      }
    ),
  });

/** A scripted answer and, sometimes, a byte size to pad its JSON body to. */
export type AnswerSpec = {
  answer: ScriptedAnswer;
  padTo?: number;
};

/** An answer with a status, a body, a content type, chunking and a `retry-after` for retries. */
export const answerArb = (
  status: fc.Arbitrary<number>,
  body: fc.Arbitrary<BodySpec>
): fc.Arbitrary<AnswerSpec> =>
  fc
    .record({
      status,
      body,
      contentType: contentTypeArb,
      chunked: fc.boolean(),
      retryAfter: fc.constantFrom('0', '0.0', 'Wed, 21 Oct 2015 07:28:00 GMT'),
    })
    .map(({ status: code, body: spec, contentType, chunked, retryAfter }) => ({
      answer: {
        status: code,
        headers: {
          ...(contentType && { 'content-type': contentType }),
          // Retries of 429 and 5xx then follow at once, which keeps thousands of cases fast.
          ...(isRetryableStatus(code) && { 'retry-after': retryAfter }),
        },
        body: spec.text,
        chunked,
      },
      ...(spec.padTo !== undefined && { padTo: spec.padTo }),
    }));

const finalStatusArb = fc.oneof(
  { arbitrary: fc.constant(200), weight: 5 },
  { arbitrary: fc.integer({ min: 200, max: 599 }), weight: 3 },
  { arbitrary: fc.constantFrom(400, 401, 403, 404, 429, 500, 502, 503), weight: 2 }
);

/** Final statuses for the mixed property, biased to success so that later steps are reached. */
export const mostlySuccessfulStatusArb = fc.oneof(
  { arbitrary: fc.constant(200), weight: 12 },
  { arbitrary: finalStatusArb, weight: 5 }
);

/** Token endpoint bodies: valid, with one field mutated, or garbage that may echo secrets. */
export const tokenBodySpecArb = (idToken: 'never' | 'maybe', validWeight = 6) =>
  bodySpecArb(validTokenBodyArb(idToken), mutatedTokenBodyArb, tokenEndpointEchoes, validWeight);
/** Userinfo bodies: valid (sometimes nested deep), without a usable `sub`, or garbage. */
export const userInfoBodySpecArb = (validWeight = 6) =>
  bodySpecArb(validUserInfoBodyArb, mutatedUserInfoBodyArb, userInfoEndpointEchoes, validWeight);

/**
 * An answer whose status is `status`. A 1xx other than 101 cannot be final (see the file
 * comment): it goes before a generated final answer.
 */
export const answerWithStatusArb = (
  status: number,
  body: fc.Arbitrary<BodySpec>
): fc.Arbitrary<AnswerSpec> => {
  if (status >= 100 && status < 200 && status !== 101) {
    return answerArb(finalStatusArb, body).map((spec) => ({
      ...spec,
      answer: { ...spec.answer, informational: [status] },
    }));
  }
  return answerArb(fc.constant(status), body);
};

/** The ID token a case's token answer carries: valid, or broken in one way. */
export type IdTokenKind = 'valid' | 'other-subject' | 'other-key' | 'wrong-nonce' | 'malformed';
