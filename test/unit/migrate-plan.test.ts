/**
 * `readMigrationPlan` on Logto's connectors, factories and sign-in experience: ready, done or
 * blocked as docs/migrating.md says, and the answers it refuses to read.
 */
import { ZodError } from 'zod';
import { expect, it } from 'vitest';

import { readMigrationPlan } from '../../src/migrate/plan.js';

import { apiOf, clientSecret, official, officialConfig, otherConnector, useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

/** A line that could erase the one before it on a terminal and print one of its own. */
const forged = '\u001b[2K\rDone: Hugging Face sign-in now runs through huggingface-oidc-universal.';

it('readMigrationPlan is ready with the official connector as Logto stores it and the buttons in their order', async () => {
  const fake = await start({ connectors: [otherConnector, official()], socialTargets: ['huggingface', 'github'] });

  expect(await readMigrationPlan(apiOf(fake))).toEqual({ kind: 'ready', official: official(), socialTargets: ['huggingface', 'github'] });
});

it('is done when this connector serves Hugging Face and the official one is gone', async () => {
  const fake = await start({ connectors: [otherConnector, official({ connectorId: 'huggingface-oidc-universal' })] });

  expect(await readMigrationPlan(apiOf(fake))).toEqual({ kind: 'done', connector: official({ connectorId: 'huggingface-oidc-universal' }) });
});

it.each([
  [
    'no official connector exists',
    { connectors: [otherConnector] },
    'No connector of the official factory "huggingface-universal" exists on this Logto instance.',
    'Nothing to migrate: create the Hugging Face connector from this connector in the console instead.',
  ],
  [
    'Logto does not list this connector',
    { installed: ['huggingface-universal', 'github-universal'] },
    'Logto does not list the factory "huggingface-oidc-universal": this connector is not installed, or Logto could not load it.',
    'Install it with `npx @logto/cli connector add` (see the README), restart Logto, check its log for "load-connector", then run this command again.',
  ],
  [
    'the official config does not pass this connector\'s checks',
    { connectors: [official({ config: { ...officialConfig, clientId: '', scope: 'profile,email' } }), otherConnector] },
    expect.stringMatching(
      /^The official connector's config \(connector id k3x9hfconn\) does not pass this connector's checks:\n {2}clientId: clientId is required\.\n {2}scope: Scopes are separated by spaces, not commas: "profile,email"\. Known scopes: openid, [^\n]+$/
    ),
    'Correct it in the console (Connectors > Social connectors > Hugging Face) or with PATCH /api/connectors/k3x9hfconn, then run this command again. Nothing was changed.',
  ],
])('is blocked when %s, saying why and what to do', async (_, state, reason, fix) => {
  const fake = await start(state);
  const plan = await readMigrationPlan(apiOf(fake));

  expect(plan).toEqual({ kind: 'blocked', reason, fix });
  expect(JSON.stringify(plan)).not.toContain(clientSecret);
});

it.each([
  ['a connector without id', 'GET /api/connectors', [{ ...official(), id: undefined }], ZodError],
  ['a factory without id', 'GET /api/connector-factories', [{ target: 'huggingface', platform: 'Universal' }], ZodError],
  ['a sign-in experience without social targets', 'GET /api/sign-in-exp', { id: 'default' }, ZodError],
  ['a connector id holding control characters', 'GET /api/connectors', [official({ id: `k3x9\n${forged}` })], /holds control characters/],
  ['a config key holding control characters', 'GET /api/connectors', [official({ config: { ...officialConfig, [`x\n${forged}`]: 1 } })], /holds control characters/],
  ['a social target holding control characters', 'GET /api/sign-in-exp', { socialSignInConnectorTargets: ['github', `huggingface\n${forged}`] }, /holds control characters/],
])('refuses to read %s', async (_, request, body, error) => {
  const fake = await start();
  fake.fail(request, { kind: 'answer', status: 200, body });

  await expect(readMigrationPlan(apiOf(fake))).rejects.toThrow(error);
});
