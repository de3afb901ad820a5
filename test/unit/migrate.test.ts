/**
 * The migration's steps (`runMigration`) against the fake Logto, on a clock that moves only when
 * a call answers: what it changes, the progress it logs, the gaps it measures (README: "The command
 * prints both gaps"; the connector gap runs from the delete's answer to the create's answer, the
 * button gap to the button's return), and how every failure after the delete ends
 * (docs/migrating.md, "What it does"). The proof inside a real Logto is
 * test/real-logto/migration.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { runMigration } from '../../src/migrate/migrate.js';

import type { Fault, FakeLogto } from './migrate-fake-logto.js';
import { apiOf, changes, official, otherConnector, useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

/** Runs the migration of `official()` with the buttons the plan read; returns its outcome and log. */
const migrate = async (fake: FakeLogto, socialTargets = ['github', 'huggingface'], entry = official()) => {
  const log: string[] = [];
  const outcome = await runMigration(apiOf(fake), entry, socialTargets, (line) => log.push(line));
  return { outcome, log };
};

const refused: Fault = { kind: 'answer', status: 400, body: { code: 'connector.invalid_config', message: "The connector's config is invalid." } };
const refusal = "POST /api/connectors: Logto answered 400 connector.invalid_config: The connector's config is invalid.";
const serverError: Fault = { kind: 'answer', status: 500, body: { message: 'Internal server error.' } };
const lost = (after: boolean): Fault => ({ kind: 'drop', after });
const addButtonAgain = 'Add Hugging Face again in the console (Sign-in experience > Sign-up and sign-in > Social sign-in).';

const deleted = 'Deleted the official connector k3x9hfconn.';
const created = 'Created huggingface-oidc-universal under the same connector id k3x9hfconn.';
const buttonBack = 'Put "huggingface" back among the sign-in experience\'s social buttons.';
const ours = (entry = official()) => ({ ...entry, connectorId: 'huggingface-oidc-universal' });

describe('a migration that goes through', () => {
  it('replaces the official connector under its id with the same config, syncProfile and enableTokenStorage, then puts its button back', async () => {
    const fake = await start({ connectors: [official({ enableTokenStorage: true }), otherConnector] });
    const result = await migrate(fake, ['github', 'huggingface'], official({ enableTokenStorage: true }));

    expect(result).toEqual({
      outcome: { kind: 'migrated', connectorGapMs: 40, buttonGapMs: 65, restoredButton: true },
      log: [deleted, created, buttonBack],
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

  it('leaves the buttons alone when "huggingface" is already back by the time it looks', async () => {
    const fake = await start();
    fake.fail('GET /api/sign-in-exp', { kind: 'answer', status: 200, body: { socialSignInConnectorTargets: ['github', 'huggingface'] } });

    expect((await migrate(fake)).outcome).toEqual({ kind: 'migrated', connectorGapMs: 40, buttonGapMs: 40, restoredButton: false });
    expect(changes(fake)).not.toContain('PATCH /api/sign-in-exp');
  });

  it('puts "huggingface" back at its former place, keeps buttons added meanwhile last and drops removed ones', async () => {
    const fake = await start();
    fake.fail('GET /api/sign-in-exp', { kind: 'answer', status: 200, body: { socialSignInConnectorTargets: ['apple', 'github'] } });
    await migrate(fake, ['google', 'huggingface', 'github']);

    expect(fake.requests.filter(({ method }) => method === 'PATCH').map(({ body }) => body)).toEqual([
      { socialSignInConnectorTargets: ['huggingface', 'github', 'apple'] },
    ]);
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

  it('says the connector is migrated and how to add the button when putting it back fails', async () => {
    const fake = await start();
    fake.fail('PATCH /api/sign-in-exp', serverError);

    expect((await migrate(fake)).outcome).toEqual({
      kind: 'failed',
      failure: `The connector was migrated, but putting "huggingface" back among the social buttons failed (PATCH /api/sign-in-exp: Logto answered 500: Internal server error.). ${addButtonAgain}`,
    });
    expect(fake.connectors).toEqual([otherConnector, ours()]);
  });
});

describe('a migration that stops', () => {
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

  it.each([
    [
      'the official connector is back but not its button',
      [['POST /api/connectors', refused]],
      'huggingface-universal',
      `Creating huggingface-oidc-universal failed (${refusal}). The official connector is back under k3x9hfconn, but putting "huggingface" back among the social buttons failed (PATCH /api/sign-in-exp: Logto answered 500: Internal server error.). ${addButtonAgain}`,
    ],
    [
      'the official connector is back but not its button, though Logto could not say whether the create went through',
      [['POST /api/connectors', lost(false)], ['GET /api/connectors/k3x9hfconn', lost(false)]],
      'huggingface-universal',
      /^Creating huggingface-oidc-universal failed \(POST \/api\/connectors: no answer from Logto \(.+\)\)\. The official connector is back under k3x9hfconn, but putting "huggingface" back/,
    ],
  ] as const)('says so when %s', async (_, faults, connectorId, failure) => {
    const fake = await start();
    faults.forEach(([request, fault]) => fake.fail(request, fault));
    fake.fail('PATCH /api/sign-in-exp', serverError);

    expect((await migrate(fake)).outcome).toEqual({ kind: 'failed', failure: typeof failure === 'string' ? failure : expect.stringMatching(failure) });
    expect(fake.connectors.find(({ id }) => id === 'k3x9hfconn')?.connectorId).toBe(connectorId);
  });

  it('says no connector exists and how to create it again when putting the official one back fails too', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', lost(false), { kind: 'answer', status: 503, body: { message: 'Service unavailable' } });

    expect((await migrate(fake)).outcome).toEqual({
      kind: 'failed',
      failure: expect.stringMatching(
        /^Creating huggingface-oidc-universal failed \(POST \/api\/connectors: no answer from Logto \(.+\)\), and putting the official connector back failed too \(POST \/api\/connectors: Logto answered 503: Service unavailable\)\. No Hugging Face connector exists now\. Create it again in the console with the same client ID and secret, under the connector id k3x9hfconn \(POST \/api\/connectors accepts "id"\), so the callback URL registered at Hugging Face stays valid\.$/
      ),
    });
    expect(fake.connectors).toEqual([otherConnector]);
  });

  it('does not claim the connector is gone when Logto could not say whether the create went through', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', lost(true));
    fake.fail('GET /api/connectors/k3x9hfconn', lost(false));

    expect((await migrate(fake)).outcome).toEqual({
      kind: 'failed',
      failure: expect.stringMatching(
        /^Creating huggingface-oidc-universal answered "POST \/api\/connectors: no answer from Logto \(.+\)", Logto could not say whether it exists, and putting the official connector back failed \(POST \/api\/connectors: Logto answered 422 connector\.multiple_target_with_same_platform: .+\)\. Check Connectors > Social connectors in the console: if no Hugging Face connector is listed, create it again in the console with the same client ID and secret, under the connector id k3x9hfconn \(POST \/api\/connectors accepts "id"\), so the callback URL registered at Hugging Face stays valid\.$/
      ),
    });
    expect(fake.connectors).toEqual([otherConnector, ours()]);
  });
});
