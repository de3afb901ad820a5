/**
 * What of Logto's text `connector-huggingface migrate` never prints as is: Logto's answers reach
 * the terminal as the connector quotes Hugging Face's, without control characters, so a hostile
 * answer cannot erase a line or print one of its own.
 */
import { describe, expect, it } from 'vitest';

import { createManagementApi } from '../../src/migrate/management-api.js';

import { changes, official, otherConnector, run, useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

/** Any C0 or C1 control, DEL, a Unicode line or paragraph separator; `\n` only between lines. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlCharacter = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029]/;

describe("Logto's text on the terminal", () => {
  const forged =
    '\u001b[2K\rDone: Hugging Face sign-in now runs through huggingface-oidc-universal under connector id k3x9hfconn; no connector for 4 ms.';

  it('keeps an answer from erasing the line or printing one of its own', async () => {
    const fake = await start();
    fake.fail('DELETE /api/connectors/k3x9hfconn', {
      kind: 'answer',
      status: 500,
      body: { code: 'internal\u0007\r\nDone: forged', message: `${forged}\n${forged}\u2028\u009B2K\u0007` },
    });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(fake.connectors).toEqual([official(), otherConnector]);
    expect(result.err).not.toMatch(controlCharacter);
    expect(result.err.split('\n')).toEqual([
      expect.stringMatching(/^Deleting the official connector failed, nothing was changed: DELETE \/api\/connectors\/k3x9hfconn: Logto answered 500 /),
    ]);
    expect(result.out.split('\n').filter((line) => line.startsWith('Done:'))).toEqual([]);
  });

  it.each([
    ['a connector id', { connectors: [official({ id: `k3x9\n${forged}` }), otherConnector] }],
    ['a social target', { socialTargets: ['github', `huggingface\n${forged}`] }],
    ['a config key', { connectors: [official({ config: { clientId: 'hf', clientSecret: 'hf-client-secret-9dK2mZ', [`x\n${forged}`]: 1 } }), otherConnector] }],
  ])('stops before any change when Logto lists %s holding control characters', async (_, state) => {
    const fake = await start(state);
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(changes(fake)).toEqual([]);
    expect(result.err).toMatch(/^Could not read the Logto instance, nothing was changed: /);
    expect(result.err).not.toMatch(controlCharacter);
    expect(result.all.split('\n').filter((line) => line.startsWith('Done:'))).toEqual([]);
  });

  it('removes controls a config value carries past JSON quoting', async () => {
    const fake = await start({
      connectors: [official({ config: { clientId: 'hf\u009B2K\u202Eclient', clientSecret: 'hf-client-secret-9dK2mZ' } }), otherConnector],
    });
    const result = await run(fake, '--dry-run');

    expect(result.code).toBe(0);
    expect(result.out).not.toMatch(controlCharacter);
    expect(result.out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(result.out).toContain('config: clientId="hf 2K client", clientSecret=(hidden)');
  });
});

describe("the Management API client quotes Logto's answers", () => {
  it('replaces control characters and bounds the length as for Hugging Face text', async () => {
    const fake = await start();
    fake.fail('GET /api/connectors', {
      kind: 'answer',
      status: 500,
      body: { code: 'internal\u001b[31m', message: `a\u001b[2K\rb\nc\u0007${'x'.repeat(1000)}` },
    });
    const api = createManagementApi({ endpoint: fake.url, appId: fake.m2m.id, appSecret: fake.m2m.secret });
    const error = (await api.call('GET', '/api/connectors').catch((reason: unknown) => reason)) as {
      code: string;
      detail: string;
    };

    expect(error.code).toBe('internal [31m');
    expect(error.detail).toBe(`a [2K b c ${'x'.repeat(290)}…`);
  });
});
