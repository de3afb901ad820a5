/**
 * `runMigration` on the fake Logto, with a clock that moves only when a call answers, so the gaps
 * (README: no connector from the delete's answer to the create's, no button until its return) are
 * known; failures after the delete end as docs/migrating.md says. In a real Logto:
 * test/real-logto/migration.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { runMigration } from '../../src/migrate/migrate.js';

import type { Fault, FakeLogto } from './migrate-fake-logto.js';
import { apiOf, changes, official, otherConnector, useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

/** Runs the migration of `entry` with the buttons the plan read; returns its outcome and log. */
const migrate = async (fake: FakeLogto, socialTargets = ['github', 'huggingface'], entry = official()) => {
  const log: string[] = [];
  const outcome = await runMigration(apiOf(fake), entry, socialTargets, (line) => log.push(line));
  return { outcome, log };
};

const ours = (entry = official()) => ({ ...entry, connectorId: 'huggingface-oidc-universal' });
const signInExp = (targets: string[]): Fault => ({ kind: 'answer', status: 200, body: { socialSignInConnectorTargets: targets } });
const refused: Fault = { kind: 'answer', status: 400, body: { code: 'connector.invalid_config', message: "The connector's config is invalid." } };
const refusal = "POST /api/connectors: Logto answered 400 connector.invalid_config: The connector's config is invalid.";
const serverError: Fault = { kind: 'answer', status: 500, body: { message: 'Internal server error.' } };
const lost = (after: boolean): Fault => ({ kind: 'drop', after });
const noButton = 'putting "huggingface" back among the social buttons failed (PATCH /api/sign-in-exp: Logto answered 500: Internal server error.)';
const addButton = 'Add Hugging Face again in the console (Sign-in experience > Sign-up and sign-in > Social sign-in).';
const deleted = 'Deleted the official connector k3x9hfconn.';
const created = 'Created huggingface-oidc-universal under the same connector id k3x9hfconn.';

describe('a migration that goes through', () => {
  it('replaces the official connector under its id with the same config, syncProfile and enableTokenStorage, then puts its button back', async () => {
    const fake = await start({ connectors: [official({ enableTokenStorage: true }), otherConnector] });

    expect(await migrate(fake, ['github', 'huggingface'], official({ enableTokenStorage: true }))).toEqual({
      outcome: { kind: 'migrated', connectorGapMs: 40, buttonGapMs: 65, restoredButton: true },
      log: [deleted, created, 'Put "huggingface" back among the sign-in experience\'s social buttons.'],
    });
    expect(changes(fake)).toEqual(['DELETE /api/connectors/k3x9hfconn', 'POST /api/connectors', 'PATCH /api/sign-in-exp']);
    expect(fake.connectors).toEqual([otherConnector, ours(official({ enableTokenStorage: true }))]);
    expect(fake.socialTargets).toEqual(['github', 'huggingface']);
  });

  it('adds no button the sign-in experience did not show: the button gap is the connector gap', async () => {
    const fake = await start({ socialTargets: ['github'] });

    expect(await migrate(fake, ['github'])).toEqual({
      outcome: { kind: 'migrated', connectorGapMs: 40, buttonGapMs: 40, restoredButton: false },
      log: [deleted, created],
    });
    expect(changes(fake)).toEqual(['DELETE /api/connectors/k3x9hfconn', 'POST /api/connectors']);
  });

  it.each([
    ['leaves the buttons alone when "huggingface" is already back', ['github', 'huggingface'], ['github', 'huggingface'], []],
    ['puts "huggingface" back at its place, buttons added meanwhile last, removed ones dropped', ['google', 'huggingface', 'github'], ['apple', 'github'], [['huggingface', 'github', 'apple']]],
  ])('%s', async (_, before, now, patched) => {
    const fake = await start();
    fake.fail('GET /api/sign-in-exp', signInExp(now));
    const { outcome } = await migrate(fake, before);

    expect(fake.requests.filter(({ method }) => method === 'PATCH').map(({ body }) => body.socialSignInConnectorTargets)).toEqual(patched);
    expect(outcome).toMatchObject({ restoredButton: patched.length > 0, buttonGapMs: patched.length > 0 ? 65 : 40 });
  });

  it('keeps this connector when the create went through but its answer was lost', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', lost(true));
    const { outcome, log } = await migrate(fake);

    expect(outcome).toMatchObject({ kind: 'migrated', restoredButton: true });
    expect(log[1]).toMatch(/^Creating huggingface-oidc-universal answered "POST \/api\/connectors: no answer from Logto \(.+\)", but it exists under k3x9hfconn\.$/);
    expect(fake.connectors).toEqual([otherConnector, ours()]);
    expect(fake.socialTargets).toEqual(['github', 'huggingface']);
  });
});

describe('a step that fails', () => {
  it('changes nothing when the delete fails', async () => {
    const fake = await start();
    fake.fail('DELETE /api/connectors/k3x9hfconn', { kind: 'answer', status: 403, body: { code: 'auth.forbidden', message: 'Forbidden.' } });

    expect(await migrate(fake)).toEqual({
      outcome: {
        kind: 'failed',
        failure: 'Deleting the official connector failed, nothing was changed: DELETE /api/connectors/k3x9hfconn: Logto answered 403 auth.forbidden: Forbidden.',
      },
      log: [],
    });
    expect(fake.connectors).toEqual([official(), otherConnector]);
  });

  it('puts the official connector back as it was, and its button at its place, when the create is refused', async () => {
    const { enableTokenStorage: _absent, ...older } = official();
    const fake = await start({ connectors: [older, otherConnector], socialTargets: ['huggingface', 'github'] });
    fake.fail('POST /api/connectors', refused);

    expect(await migrate(fake, ['huggingface', 'github'], older)).toEqual({
      outcome: { kind: 'rolled-back', failure: refusal },
      log: [deleted, 'Put the official connector back under k3x9hfconn.'],
    });
    expect(fake.requests.filter(({ method }) => method === 'POST').slice(1).map(({ body }) => body)).toEqual([
      { ...older, connectorId: 'huggingface-oidc-universal', enableTokenStorage: false },
      { ...older, enableTokenStorage: false },
    ]);
    expect(fake.connectors).toEqual([otherConnector, official()]);
    expect(fake.socialTargets).toEqual(['huggingface', 'github']);
  });

  it('creates nothing again when another connector holds the id after the failed create', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', refused);
    fake.fail('GET /api/connectors/k3x9hfconn', { kind: 'answer', status: 200, body: official() });

    expect((await migrate(fake)).outcome).toEqual({ kind: 'rolled-back', failure: refusal });
    expect(changes(fake)).toEqual(['DELETE /api/connectors/k3x9hfconn', 'POST /api/connectors', 'PATCH /api/sign-in-exp']);
  });

  it.each<[string, [string, ...Fault[]][], FakeLogto['connectors'], RegExp | string]>([
    [
      'the connector is migrated but not its button',
      [['PATCH /api/sign-in-exp', serverError]],
      [otherConnector, ours()],
      `The connector was migrated, but ${noButton}. ${addButton}`,
    ],
    [
      'the official connector is back but not its button',
      [['POST /api/connectors', refused], ['PATCH /api/sign-in-exp', serverError]],
      [otherConnector, official()],
      `Creating huggingface-oidc-universal failed (${refusal}). The official connector is back under k3x9hfconn, but ${noButton}. ${addButton}`,
    ],
    [
      'the official connector is back but not its button, though Logto could not say whether the create went through',
      [['POST /api/connectors', lost(false)], ['GET /api/connectors/k3x9hfconn', lost(false)], ['PATCH /api/sign-in-exp', serverError]],
      [otherConnector, official()],
      /^Creating huggingface-oidc-universal failed \(POST \/api\/connectors: no answer from Logto \(.+\)\)\. The official connector is back under k3x9hfconn, but putting/,
    ],
    [
      'no connector exists: how to create it again',
      [['POST /api/connectors', lost(false), { kind: 'answer', status: 503, body: { message: 'Service unavailable' } }]],
      [otherConnector],
      /^Creating huggingface-oidc-universal failed \(POST \/api\/connectors: no answer from Logto \(.+\)\), and putting the official connector back failed too \(POST \/api\/connectors: Logto answered 503: Service unavailable\)\. No Hugging Face connector exists now\. Create it again in the console with the same client ID and secret, under the connector id k3x9hfconn \(POST \/api\/connectors accepts "id"\), so the callback URL registered at Hugging Face stays valid\.$/,
    ],
    [
      'Logto could not say whether the create went through, without claiming the connector is gone',
      [['POST /api/connectors', lost(true)], ['GET /api/connectors/k3x9hfconn', lost(false)]],
      [otherConnector, ours()],
      /^Creating huggingface-oidc-universal answered "POST \/api\/connectors: no answer from Logto \(.+\)", Logto could not say whether it exists, and putting the official connector back failed \(POST \/api\/connectors: Logto answered 422 connector\.multiple_target_with_same_platform: .+\)\. Check Connectors > Social connectors in the console: if no Hugging Face connector is listed, create it again in the console with the same client ID and secret, under the connector id k3x9hfconn \(POST \/api\/connectors accepts "id"\), so the callback URL registered at Hugging Face stays valid\.$/,
    ],
  ])('says so when putting things back fails: %s', async (_, faults, connectors, failure) => {
    const fake = await start();
    faults.forEach(([request, ...more]) => fake.fail(request, ...more));

    expect((await migrate(fake)).outcome).toEqual({ kind: 'failed', failure: typeof failure === 'string' ? failure : expect.stringMatching(failure) });
    expect(fake.connectors).toEqual(connectors);
  });
});
