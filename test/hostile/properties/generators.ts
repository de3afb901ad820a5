/**
 * Generators of the property suite: callback data, configs and Hugging Face answers of every
 * shape, written as JSON text with slots that each case fills with fresh secrets.
 */
import fc from 'fast-check';

import { clientId } from '../../support/kit.js';
import { distinctive, type HostileAnswer } from '../support.js';

import { acceptedHubUrls, documentedScopes, isRetryableStatus, responseCapBytes } from './model.js';

/**
 * Placeholders a generated text may hold, replaced per case by {@link fill}: `basic` by the
 * `Authorization` header the token endpoint received, `encodedSecret` by the client secret as it
 * travels in a form.
 */
export const slots = {
  secret: '@@secret@@', code: '@@code@@', verifier: '@@verifier@@', access: '@@access@@',
  refresh: '@@refresh@@', idToken: '@@idtoken@@', state: '@@state@@', hub: '@@hub@@',
  basic: '@@basic@@', encodedSecret: '@@encoded-secret@@',
} as const;

/** Values of the slots of one case. */
export type SlotValues = Partial<Record<keyof typeof slots, string>>;

/** Replaces every slot of a template with the case's value. */
export const fill = (template: string, values: SlotValues): string => {
  // A slot may be present with the value `undefined`, which the Partial type hides from entries.
  const entries: Array<[string, string | undefined]> = Object.entries(values);
  return entries.reduce(
    (text, [name, value]) =>
      value === undefined ? text : text.replaceAll(slots[name as keyof typeof slots], value),
    template
  );
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
export const freshSecrets = (hfShapedTokens = false): CaseSecrets => {
  const token = (label: string) => `${hfShapedTokens ? 'hf_oauth_' : ''}${distinctive(label)}`;
  const secret = `${distinctive('secret')}/+= x`;
  return { secret, code: distinctive('code'), access: token('access'), refresh: token('refresh') };
};

/**
 * The forms of the client secret that reach the token endpoint, derived from RFC 6749 2.3.1
 * (each part form-encoded, then `client_id:client_secret` in base64) and the WHATWG form
 * encoding, labelled for the secrecy check.
 */
export const secretForms = (secret: string): Record<string, string> => {
  const formEncode = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);
  const basic = Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`).toString('base64');
  return {
    clientSecret: secret,
    clientSecretUrlEncoded: encodeURIComponent(secret),
    clientSecretFormEncoded: formEncode(secret),
    basicCredentials: basic,
  };
};

/** A text as it travels in UTF-8: a lone surrogate becomes U+FFFD. */
export const asSent = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

// Shared pieces.

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

/** Keys that trip naive object handling. */
const trickyKeyArb = fc.constantFrom(
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'
);

const anyTextArb = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ maxLength: 24, unit: 'grapheme' }),
  fc.string({ maxLength: 12, unit: 'binary' })
);

/** A string of exactly one of `lengths` in UTF-16 units, as zod counts. */
const hugeTextArb = (lengths: number[]) =>
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 3, unit: 'grapheme' }), fc.constantFrom(...lengths))
    .map(([seed, length]) => seed.repeat(Math.ceil(length / seed.length)).slice(0, length));

const anyJsonArb = fc.jsonValue({ maxDepth: 3 });
const nonStringJsonArb = anyJsonArb.filter((value) => typeof value !== 'string');

// JSON.stringify returns undefined for undefined, functions and symbols, which its type hides.
const jsonText = (value: unknown) => (JSON.stringify(value) as string | undefined) ?? 'null';
const anyJsonTextArb = anyJsonArb.map(jsonText);
const stringValue = (arbitrary: fc.Arbitrary<string>) => arbitrary.map((text) => JSON.stringify(text));

/** Entries written as a JSON object text, leaving out undefined values; keys may repeat. */
const objectText = (entries: Array<[string, string | undefined]>) =>
  `{${entries
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${JSON.stringify(key)}:${value}`)
    .join(',')}}`;

/** The fields of a record as entries of JSON text, for {@link objectText}. */
const entriesOf = (fields: Record<string, unknown>): Array<[string, string | undefined]> =>
  Object.entries(fields).map(([key, value]) => [key, value === undefined ? undefined : jsonText(value)]);

const extraEntriesArb = (keys: fc.Arbitrary<string>) =>
  fc.array(fc.tuple(fc.oneof(trickyKeyArb, keys, fc.string({ maxLength: 10 })), anyJsonTextArb), {
    maxLength: 4,
  });

/**
 * `base` with the field `key` left out, or set to a value given as JSON text (written last, so a
 * `__proto__` key is an own key of what JSON.parse makes of it).
 */
const oneFieldChangedArb = (
  base: fc.Arbitrary<Record<string, unknown>>,
  key: fc.Arbitrary<string>,
  value: fc.Arbitrary<string>
) =>
  fc.tuple(base, key, maybe(value)).map(([fields, changed, text]) =>
    objectText([...entriesOf(fields).filter(([name]) => name !== changed), [changed, text]])
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

const tokenEndpointEchoes = [slots.secret, slots.encodedSecret, slots.basic, slots.code, slots.verifier];
const userInfoEndpointEchoes = [slots.secret, slots.access];

// (a) Callback data.

/** One callback field: mostly its slot or a scripted text, sometimes absent, odd or huge. */
const callbackFieldArb = (
  { slot, scripted }: { slot?: string; scripted?: fc.Arbitrary<string> },
  absent = 3
): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    ...(slot ? [{ arbitrary: fc.constant(JSON.stringify(slot)), weight: 14 }] : []),
    ...(scripted ? [{ arbitrary: stringValue(scripted), weight: 3 }] : []),
    { arbitrary: fc.constant(undefined), weight: absent },
    { arbitrary: stringValue(anyTextArb), weight: 1 },
    { arbitrary: stringValue(hugeTextArb([4095, 4096, 4097, 20_000])), weight: 1 },
    { arbitrary: nonStringJsonArb.map(jsonText), weight: 1 },
    { arbitrary: fc.constant('""'), weight: 1 }
  );

const callbackErrorArb = fc.constantFrom(
  'access_denied', 'invalid_scope', 'server_error', 'invalid_request', 'server_error\r\nX-Injected: 1', slots.code
);
const callbackDescriptionArb = fc.oneof(
  echoTextArb([slots.code]),
  fc.constantFrom('The scope "x" is not enabled', 'User denied', 'line one\r\nSet-Cookie: forged=1'),
  fc.constant('<script>alert(1)</script>\u0000\u2028')
);

/** JSON text of the data Logto's sign-in page could post, with `code` and `state` slots. */
export const callbackArb = fc.oneof(
  {
    arbitrary: fc
      .record({
        code: callbackFieldArb({ slot: slots.code }),
        state: callbackFieldArb({ slot: slots.state }),
        error: callbackFieldArb({ scripted: callbackErrorArb }, 16),
        error_description: callbackFieldArb({ scripted: callbackDescriptionArb }, 14),
        redirectUri: maybe(stringValue(anyTextArb)),
        extras: extraEntriesArb(fc.constantFrom('code', 'state', 'error', 'error_description')),
      })
      .map(({ extras, ...fields }) => objectText([...Object.entries(fields), ...extras])),
    weight: 4,
  },
  { arbitrary: anyJsonTextArb, weight: 1 }
);

// (b) Configs.

const hexDigit = fc.constantFrom(...'0123456789abcdefABCDEF'.split(''));
const hexId = fc.string({ minLength: 24, maxLength: 24, unit: hexDigit });
const timeoutArb = fc.integer({ min: 500, max: 30_000 });
const joined = (items: fc.Arbitrary<string[]>, ...separators: string[]) =>
  fc.tuple(items, fc.constantFrom(...separators)).map(([list, separator]) => list.join(separator));

const baseConfigFields = {
  clientId: fc.oneof(
    fc.constant(clientId),
    fc.string({ minLength: 1, maxLength: 40 }).filter((text) => text.trim() !== ''),
    fc.constant(`  ${clientId}\n`)
  ),
  clientSecret: fc.constant(slots.secret),
  scope: maybe(joined(fc.subarray(documentedScopes), ' ', '  ', '\n', '\t ')),
  orgIds: maybe(joined(fc.array(hexId, { maxLength: 3 }), ',', ' ', ', ')),
  authorizedOrgs: maybe(
    fc.oneof(
      fc.array(fc.constantFrom('huggingface', 'Acme-Lab', 'my.org', '0123456789abcdef01234567'), {
        maxLength: 3,
      }),
      fc.constantFrom('huggingface', 'huggingface, acme', '')
    )
  ),
  hubUrl: maybe(fc.constantFrom(...acceptedHubUrls(slots.hub))),
  requestTimeoutMs: maybe(fc.oneof(timeoutArb, timeoutArb.map(String))),
};

/** Hostile values for one config field, as JSON text. */
const hostileConfigValueArb = fc.oneof(
  anyJsonTextArb,
  stringValue(hugeTextArb([5000, 100_000])),
  fc.constantFrom('null', '0', '-1', '499', '30001', '600.5', '[600]', 'true'),
  fc.constantFrom(
    '{"toString":1,"valueOf":1}',
    '{"__proto__":{"clientSecret":"x"}}',
    '{"constructor":{"prototype":{"polluted":true}}}'
  ),
  stringValue(
    fc.constantFrom(
      // Blank, or numbers as text.
      '', ' ', '\t\n', 'null', 'undefined', '1e3', '0x258', ' 600 ', 'NaN', 'Infinity',
      // Hub URLs the config must refuse.
      'http://evil.example', 'https://user:pass@huggingface.co', 'https://huggingface.co/?q=1',
      'https://huggingface.co/#fragment', 'javascript:alert(1)', 'file:///etc/passwd',
      'http://127.0.0.1.evil.example', 'http://localhost.evil.example', 'ftp://huggingface.co',
      '//huggingface.co', 'ＨＴＴＰＳ://huggingface.co', `https://hub.example/${'/'.repeat(5000)}x`,
      // Scopes, organizations and secrets of the wrong shape.
      'openid,profile', 'profile profile', 'admin', 'g'.repeat(24), 'ML Lab', ' , ', ',\n,',
      'x', '0123456789abcde', '../../etc', '\u0000', '🤗'
    )
  )
);

/**
 * JSON text of any config, with slots: near-valid ones with one field left out or hostile, or any
 * JSON; `undefined` for a `getConfig` that throws.
 */
export const configArb = fc.oneof(
  {
    arbitrary: oneFieldChangedArb(
      fc.record(baseConfigFields),
      fc.oneof(fc.constantFrom(...Object.keys(baseConfigFields)), trickyKeyArb),
      hostileConfigValueArb
    ),
    weight: 8,
  },
  { arbitrary: anyJsonTextArb, weight: 2 },
  { arbitrary: fc.constant(undefined), weight: 1 }
);

// (c) Token and userinfo answers.

const oauthErrorBodyArb = (echoed: string[]) =>
  fc
    .record({
      error: fc.oneof(
        stringValue(fc.constantFrom('invalid_grant', 'invalid_client', 'invalid_request', 'unauthorized_client')),
        stringValue(fc.constant('server_error')),
        stringValue(echoTextArb(echoed)),
        nonStringJsonArb.map(jsonText)
      ),
      error_description: maybe(stringValue(echoTextArb(echoed))),
    })
    .map((fields) => objectText(Object.entries(fields)));

/** Bodies of any shape that are not built as a success. */
const garbageBodyArb = (validBody: fc.Arbitrary<string>, echoed: string[]) =>
  fc.oneof(
    anyJsonTextArb,
    validBody.chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut))),
    fc.constant(''),
    echoTextArb(echoed).map((text) => `<html><body>Bad request: ${text}</body></html>`),
    echoTextArb(echoed),
    oauthErrorBodyArb(echoed),
    stringValue(hugeTextArb([200_000])),
    // Over the cap, a body is refused unread: nothing it echoes may reach the error.
    echoTextArb(echoed).map((text) => text.padEnd(responseCapBytes + 1, ' ')),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1'))
  );

const validTokenBodyArb = (mayCarryIdToken: boolean) =>
  fc
    .record({
      token_type: fc.constantFrom('bearer', 'Bearer', 'BEARER'),
      expires_in: maybe(fc.oneof(fc.nat(), fc.nat().map(String))),
      scope: maybe(fc.constantFrom('profile', 'openid profile email', '')),
      refresh: fc.boolean(),
      idToken: fc.boolean(),
      extras: extraEntriesArb(fc.constant('foo')),
    })
    .map(({ refresh, idToken, extras, ...fields }) =>
      objectText([
        ...extras,
        ...entriesOf({
          access_token: slots.access,
          ...fields,
          refresh_token: refresh ? slots.refresh : undefined,
          id_token: mayCarryIdToken && idToken ? slots.idToken : undefined,
        }),
      ])
    );

/** A success body with one field left out or of a wrong value. */
const mutatedTokenBodyArb = oneFieldChangedArb(
  fc.constant({
    access_token: slots.access,
    token_type: 'bearer',
    expires_in: 3600,
    scope: 'profile',
    refresh_token: slots.refresh,
  }),
  fc.constantFrom('access_token', 'token_type', 'expires_in', 'scope', 'refresh_token', 'id_token'),
  fc
    .oneof(anyJsonArb, fc.constantFrom<unknown>('', 0, -1, '12a', '-5', 'mac', 'bearer ', null, [], {}, 1.5))
    .map(jsonText)
);

const validUserInfoBodyArb = fc
  .record({
    sub: fc.oneof(
      fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }).filter((text) => text.trim() !== ''),
      hexId
    ),
    name: maybe(fc.oneof(anyTextArb, anyJsonArb)),
    preferred_username: maybe(anyTextArb),
    picture: maybe(fc.oneof(fc.webUrl(), anyJsonArb)),
    email: maybe(fc.oneof(fc.emailAddress(), anyTextArb, anyJsonArb)),
    email_verified: maybe(fc.oneof(fc.boolean(), fc.constantFrom<unknown>('true', 1, null))),
    isPro: maybe(fc.boolean()),
    orgs: maybe(fc.array(anyJsonArb, { maxLength: 3 })),
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
      ...entriesOf(fields),
      ...extras,
      ['nested', nesting === undefined ? undefined : `${'['.repeat(nesting)}${']'.repeat(nesting)}`],
    ])
  );

/** A userinfo whose `sub` is missing, blank or not text. */
const mutatedUserInfoBodyArb = oneFieldChangedArb(
  fc.record({ name: anyTextArb }),
  fc.constant('sub'),
  fc.oneof(nonStringJsonArb, fc.constantFrom('', '   ', '\n')).map(jsonText)
);

const bodyArb = (valid: fc.Arbitrary<string>, mutated: fc.Arbitrary<string>, echoed: string[], validWeight: number) =>
  fc.oneof(
    { arbitrary: valid, weight: validWeight },
    { arbitrary: mutated, weight: 2 },
    { arbitrary: garbageBodyArb(valid, echoed), weight: 3 }
  );

/** Token endpoint bodies: valid (with an ID token slot if asked), one field mutated, or garbage. */
export const tokenBodyArb = (mayCarryIdToken: boolean, validWeight = 6) =>
  bodyArb(validTokenBodyArb(mayCarryIdToken), mutatedTokenBodyArb, tokenEndpointEchoes, validWeight);

/** Userinfo bodies: valid (sometimes nested deep), without a usable `sub`, or garbage. */
export const userInfoBodyArb = (validWeight = 6) =>
  bodyArb(validUserInfoBodyArb, mutatedUserInfoBodyArb, userInfoEndpointEchoes, validWeight);

/** An answer with a status, a body, a content type, chunking and a `retry-after` for retries. */
export const answerArb = (status: fc.Arbitrary<number>, body: fc.Arbitrary<string>): fc.Arbitrary<HostileAnswer> =>
  fc
    .record({
      status,
      body,
      contentType: fc.constantFrom(
        'application/json', 'application/json; charset=utf-8', 'text/html', '',
        'text/plain; charset=iso-8859-1', 'application/x-www-form-urlencoded', 'application/octet-stream'
      ),
      chunked: fc.boolean(),
      retryAfter: fc.constantFrom('0', '0.0', 'Wed, 21 Oct 2015 07:28:00 GMT'),
    })
    .map(({ status: code, body: text, contentType, chunked, retryAfter }) => ({
      status: code,
      headers: {
        ...(contentType && { 'content-type': contentType }),
        // Retries of 429 and 5xx then follow at once, which keeps thousands of cases fast.
        ...(isRetryableStatus(code) && { 'retry-after': retryAfter }),
      },
      body: text,
      chunked,
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

/**
 * An answer whose status is `status`. Node's HTTP client reads a 1xx answer as interim and waits
 * for a final one, so a 1xx other than 101 goes before a generated final answer; a 101 is a
 * protocol switch.
 */
export const answerWithStatusArb = (status: number, body: fc.Arbitrary<string>): fc.Arbitrary<HostileAnswer> =>
  status >= 100 && status < 200 && status !== 101
    ? answerArb(finalStatusArb, body).map((answer) => ({ ...answer, informational: [status] }))
    : answerArb(fc.constant(status), body);
