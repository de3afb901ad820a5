/**
 * The steps of the migration and every way they can end, against the fake Logto of
 * migrate-fake-logto.ts: the progress it prints, the gaps it measures (README: "The command prints
 * both gaps"; the connector gap runs from the delete's answer to the create's answer, the button
 * gap to the button's return), how the button is put back, and what it says when a step after
 * the delete fails.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createManagementApi, type ManagementApi } from '../../src/migrate/management-api.js';
import { runMigration } from '../../src/migrate/migrate.js';

import type { FakeLogto } from './migrate-fake-logto.js';
import { changes, credentialsOf, official, otherConnector, run, runCommand, useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

/**
 * A clock that only moves when a Management API call answers, by the time given for that call,
 * so the gaps the command reports are known in advance.
 */
const useCallClock = () => {
  let now = 0;
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return (durations: Record<string, number>) => {
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    return (options: Parameters<typeof createManagementApi>[0]): ManagementApi => {
      const api = createManagementApi(options);
      return {
        hide: api.hide,
        call: async (method, path, body) => {
          const answer = await api.call(method, path, body);
          now += durations[`${method} ${path}`] ?? 0;
          return answer;
        },
      };
    };
  };
};
const clocked = useCallClock();

const durations = {
  'DELETE /api/connectors/k3x9hfconn': 1000,
  'POST /api/connectors': 40,
  'GET /api/sign-in-exp': 5,
  'PATCH /api/sign-in-exp': 20,
};

const apiOf = (fake: FakeLogto) =>
  clocked(durations)({ endpoint: fake.url, appId: fake.m2m.id, appSecret: fake.m2m.secret });

const patches = (fake: FakeLogto) =>
  changes(fake)
    .filter(({ method }) => method === 'PATCH')
    .map(({ body }) => body);

describe('a migration that goes through', () => {
  it('prints each step as it happens, then both gaps', async () => {
    const fake = await start();
    const result = await runCommand(['migrate'], credentialsOf(fake), clocked(durations));

    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    const done = lines.slice(lines.indexOf('Hugging Face sign-in is unavailable between steps 1 and 3.') + 1);
    expect(done).toHaveLength(4);
    expect(done[0]).toMatch(/^Deleted the official connector k3x9hfconn\.$/);
    expect(done[1]).toMatch(/^Created huggingface-oidc-universal under the same connector id k3x9hfconn\.$/);
    expect(done[2]).toMatch(/^Put "huggingface" back among the sign-in experience's social buttons\.$/);
    expect(done[3]).toBe(
      'Done: Hugging Face sign-in now runs through huggingface-oidc-universal under connector id k3x9hfconn; no connector for 40 ms, no button for 65 ms.'
    );
  });

  it('reports the button gap equal to the connector gap when there was no button to put back', async () => {
    const fake = await start({ socialTargets: ['github'] });
    const log: string[] = [];

    expect(await runMigration(apiOf(fake), official(), ['github'], (line) => log.push(line))).toEqual({
      kind: 'migrated',
      connectorGapMs: 40,
      buttonGapMs: 40,
      restoredButton: false,
    });
    expect(log.some((line) => line.includes('back among'))).toBe(false);
  });

  it('leaves the buttons alone when "huggingface" is already back by the time it looks', async () => {
    const fake = await start();
    fake.fail('GET /api/sign-in-exp', { kind: 'answer', status: 200, body: { socialSignInConnectorTargets: ['github', 'huggingface'] } });
    const log: string[] = [];

    expect(await runMigration(apiOf(fake), official(), ['github', 'huggingface'], (line) => log.push(line))).toEqual({
      kind: 'migrated',
      connectorGapMs: 40,
      buttonGapMs: 40,
      restoredButton: false,
    });
    expect(patches(fake)).toEqual([]);
    expect(log.some((line) => line.includes('back among'))).toBe(false);
  });

  it('puts "huggingface" back at its former place, keeps buttons added meanwhile last and drops removed ones', async () => {
    const fake = await start();
    fake.fail('GET /api/sign-in-exp', { kind: 'answer', status: 200, body: { socialSignInConnectorTargets: ['apple', 'github'] } });
    const outcome = await runMigration(apiOf(fake), official(), ['google', 'huggingface', 'github'], () => undefined);

    expect(outcome).toMatchObject({ kind: 'migrated', restoredButton: true });
    expect(patches(fake)).toEqual([{ socialSignInConnectorTargets: ['huggingface', 'github', 'apple'] }]);
  });

  it('says the connector is migrated and how to add the button when putting it back fails', async () => {
    const fake = await start();
    fake.fail('PATCH /api/sign-in-exp', { kind: 'answer', status: 500, body: { message: 'Internal server error.' } });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(fake.connectors.find(({ id }) => id === 'k3x9hfconn')?.connectorId).toBe('huggingface-oidc-universal');
    expect(result.err).toMatch(
      /^The connector was migrated, but putting "huggingface" back among the social buttons failed \(PATCH \/api\/sign-in-exp: Logto answered 500: Internal server error\.\)\. Add Hugging Face again/
    );
    expect(result.err).toContain('Add Hugging Face again in the console (Sign-in experience > Sign-up and sign-in > Social sign-in).');
  });
});

describe('a migration that is rolled back', () => {
  const refuseCreate = (fake: FakeLogto) =>
    fake.fail('POST /api/connectors', {
      kind: 'answer',
      status: 400,
      body: { code: 'connector.invalid_config', message: "The connector's config is invalid." },
    });

  it('says why, and that the official connector works as before', async () => {
    const fake = await start();
    refuseCreate(fake);
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^Put the official connector back under k3x9hfconn\.$/m);
    expect(result.err).toBe(
      "Not migrated: creating huggingface-oidc-universal failed (POST /api/connectors: Logto answered 400 connector.invalid_config: The connector's config is invalid.). The official connector is back under k3x9hfconn with its config; sign-in works as before."
    );
  });

  it('puts back the official connector of a Logto whose listing has no enableTokenStorage, without token storage', async () => {
    const { enableTokenStorage: _absent, ...older } = official();
    const fake = await start({ connectors: [older, otherConnector] });
    refuseCreate(fake);
    await run(fake);

    expect(changes(fake).filter(({ method }) => method === 'POST').map(({ body }) => body)).toEqual([
      { ...older, connectorId: 'huggingface-oidc-universal', enableTokenStorage: false },
      { ...older, enableTokenStorage: false },
    ]);
  });

  it('creates nothing again when another connector already holds the id after the failed create', async () => {
    const fake = await start();
    refuseCreate(fake);
    fake.fail('GET /api/connectors/k3x9hfconn', { kind: 'answer', status: 200, body: official() });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^Not migrated: /);
    expect(changes(fake).map(({ method, path }) => `${method} ${path}`)).toEqual([
      'DELETE /api/connectors/k3x9hfconn',
      'POST /api/connectors',
      'PATCH /api/sign-in-exp',
    ]);
  });

  it('says the official connector is back but its button is not when putting the button back fails', async () => {
    const fake = await start();
    refuseCreate(fake);
    fake.fail('PATCH /api/sign-in-exp', { kind: 'answer', status: 500, body: { message: 'Internal server error.' } });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(fake.connectors.find(({ id }) => id === 'k3x9hfconn')?.connectorId).toBe('huggingface-universal');
    expect(result.err).toMatch(
      /^Creating huggingface-oidc-universal failed \(POST \/api\/connectors: Logto answered 400 connector\.invalid_config: .*\)\. The official connector is back under k3x9hfconn, but putting "huggingface" back among the social buttons failed \(PATCH \/api\/sign-in-exp: Logto answered 500/
    );
    expect(result.err).toContain('Add Hugging Face again in the console (Sign-in experience > Sign-up and sign-in > Social sign-in).');
  });

  it('says the official connector is back, once it is, even when Logto could not say whether the create went through', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', { kind: 'drop', after: false });
    fake.fail('GET /api/connectors/k3x9hfconn', { kind: 'drop', after: false });
    fake.fail('PATCH /api/sign-in-exp', { kind: 'answer', status: 500, body: { message: 'Internal server error.' } });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(fake.connectors.find(({ id }) => id === 'k3x9hfconn')?.connectorId).toBe('huggingface-universal');
    expect(result.err).toContain('The official connector is back under k3x9hfconn');
    expect(result.err).not.toContain('could not say');
  });

  it('tells how to recreate the connector when neither the create nor the rollback is known to have worked', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', { kind: 'drop', after: true }, { kind: 'drop', after: false });
    fake.fail('GET /api/connectors/k3x9hfconn', { kind: 'drop', after: false });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^Creating huggingface-oidc-universal answered "POST \/api\/connectors: no answer from Logto \(.*\)", Logto could not say whether it exists/);
    expect(result.err).toContain(
      'if no Hugging Face connector is listed, create it again in the console with the same client ID and secret, under the connector id k3x9hfconn (POST /api/connectors accepts "id"), so the callback URL registered at Hugging Face stays valid.'
    );
  });
});
