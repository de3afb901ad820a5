/**
 * `connector-huggingface migrate` against a Management API on 127.0.0.1 that keeps Logto's rules
 * (see migrate-fake-logto.ts). The proof inside a real Logto is test/real-logto/migration.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { runCli } from '../../src/migrate/cli.js';

import type { FakeConnector } from './migrate-fake-logto.js';
import { changes, clientSecret, leaks, official, officialConfig, otherConnector, run, useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

const byId = (connectors: FakeConnector[]) => [...connectors].sort((a, b) => a.id.localeCompare(b.id));

describe('connector-huggingface migrate', () => {
  it('replaces the official connector under the same id with the same config, syncProfile and enableTokenStorage', async () => {
    const fake = await start({ connectors: [official({ enableTokenStorage: true }), otherConnector] });
    const result = await run(fake);

    expect(result.code).toBe(0);
    expect(fake.connectors.find(({ id }) => id === 'k3x9hfconn')).toEqual({
      id: 'k3x9hfconn',
      connectorId: 'huggingface-oidc-universal',
      config: officialConfig,
      syncProfile: true,
      enableTokenStorage: true,
    });
    expect(fake.connectors).toHaveLength(2);
    expect(result.out).toMatch(/^Done: .*no connector for \d+ ms, no button for \d+ ms\.$/m);
  });

  it('puts "huggingface" back among the social buttons at its former place after Logto drops it', async () => {
    const fake = await start();
    const result = await run(fake);

    expect(result.code).toBe(0);
    expect(fake.socialTargets).toEqual(['github', 'huggingface']);
    expect(changes(fake).map(({ method, path }) => `${method} ${path}`)).toEqual([
      'DELETE /api/connectors/k3x9hfconn',
      'POST /api/connectors',
      'PATCH /api/sign-in-exp',
    ]);
  });

  it('adds no button the sign-in experience did not show', async () => {
    const fake = await start({ connectors: [official(), otherConnector], socialTargets: ['github'] });
    expect((await run(fake)).code).toBe(0);
    expect(fake.socialTargets).toEqual(['github']);
    expect(changes(fake).some(({ path }) => path === '/api/sign-in-exp')).toBe(false);
  });

  it('--dry-run shows the plan and changes nothing', async () => {
    const fake = await start();
    const result = await run(fake, '--dry-run');

    expect(result.code).toBe(0);
    expect(changes(fake)).toEqual([]);
    expect(fake.connectors).toEqual([official(), otherConnector]);
    expect(result.out).toContain('id k3x9hfconn');
    expect(result.out).toContain(`callback URL ${fake.url}/callback/k3x9hfconn`);
    expect(result.out).toContain('clientSecret=(hidden)');
    expect(result.out).toContain('Dry run: nothing was changed.');
  });

  it.each([
    ['a comma-separated scope', { scope: 'profile,email' }, 'scope: Scopes are separated by spaces, not commas'],
    ['an unknown scope', { scope: 'profile repo' }, 'scope: Unknown Hugging Face scope "repo"'],
    ['an empty client ID', { clientId: '' }, 'clientId: clientId is required.'],
  ])('stops before any change on %s, with the reason and what to change', async (_, change, reason) => {
    const fake = await start({ connectors: [official({ config: { ...officialConfig, ...change } }), otherConnector] });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(changes(fake)).toEqual([]);
    expect(result.err).toContain(reason);
    expect(result.err).toContain('Correct it in the console');
    expect(leaks(result.all, [clientSecret, fake.m2m.secret])).toEqual([]);
  });

  it('stops before any change when Logto does not list this connector\'s factory', async () => {
    const fake = await start({ installed: ['huggingface-universal', 'github-universal'] });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(changes(fake)).toEqual([]);
    expect(result.err).toContain('Logto does not list the factory "huggingface-oidc-universal"');
  });

  it('does nothing when this connector already serves Hugging Face', async () => {
    const fake = await start({ connectors: [official({ connectorId: 'huggingface-oidc-universal' }), otherConnector] });
    const result = await run(fake);

    expect(result.code).toBe(0);
    expect(changes(fake)).toEqual([]);
    expect(result.out).toContain('Nothing to do');
  });

  it('puts the official connector back, as it was, when the create is refused', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', {
      kind: 'answer',
      status: 400,
      body: { code: 'connector.invalid_config', message: "The connector's config is invalid." },
    });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(byId(fake.connectors)).toEqual(byId([official(), otherConnector]));
    expect(fake.socialTargets).toEqual(['github', 'huggingface']);
    expect(result.err).toContain('Logto answered 400 connector.invalid_config');
    expect(result.err).toContain('The official connector is back under k3x9hfconn');
  });

  it('restores the button order after a rollback', async () => {
    const fake = await start({ connectors: [official(), otherConnector], socialTargets: ['huggingface', 'github'] });
    fake.fail('POST /api/connectors', { kind: 'answer', status: 500, body: { message: 'Internal server error.' } });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(fake.socialTargets).toEqual(['huggingface', 'github']);
    expect(fake.connectors.find(({ id }) => id === 'k3x9hfconn')?.connectorId).toBe('huggingface-universal');
  });

  it('keeps this connector when the create went through but its answer was lost', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', { kind: 'drop', after: true });
    const result = await run(fake);

    expect(result.code).toBe(0);
    expect(fake.connectors).toEqual([otherConnector, { ...official(), connectorId: 'huggingface-oidc-universal' }]);
    expect(fake.socialTargets).toEqual(['github', 'huggingface']);
    expect(result.out).toContain('but it exists under k3x9hfconn');
  });

  it('says no connector exists and how to recreate it when the rollback fails too', async () => {
    const fake = await start();
    fake.fail(
      'POST /api/connectors',
      { kind: 'drop', after: false },
      { kind: 'answer', status: 503, body: { message: 'Service unavailable' } }
    );
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(fake.connectors).toEqual([otherConnector]);
    expect(result.err).toContain('No Hugging Face connector exists now');
    expect(result.err).toContain('under the connector id k3x9hfconn');
    expect(leaks(result.all, [clientSecret, fake.m2m.secret])).toEqual([]);
  });

  it('does not claim the connector is gone when Logto could not say whether the create went through', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', { kind: 'drop', after: true });
    fake.fail('GET /api/connectors/k3x9hfconn', { kind: 'drop', after: false });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(fake.connectors.find(({ id }) => id === 'k3x9hfconn')?.connectorId).toBe('huggingface-oidc-universal');
    expect(result.err).toContain('Logto could not say whether it exists');
    expect(result.err).toContain('connector.multiple_target_with_same_platform');
    expect(result.err).not.toContain('No Hugging Face connector exists now');
  });

  it('changes nothing when the delete fails', async () => {
    const fake = await start();
    fake.fail('DELETE /api/connectors/k3x9hfconn', { kind: 'answer', status: 403, body: { code: 'auth.forbidden', message: 'Forbidden.' } });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(fake.connectors).toEqual([official(), otherConnector]);
    expect(result.err).toContain('Deleting the official connector failed, nothing was changed');
    expect(result.err).toContain('403 auth.forbidden');
  });

  it('reports a refused M2M secret without printing it', async () => {
    const fake = await start();
    const result = await run(fake, '--m2m-secret', 'wrong-secret-value-77');

    expect(result.code).toBe(1);
    expect(result.err).toContain('401 invalid_client');
    expect(result.err).toContain('nothing was changed');
    expect(leaks(result.all, ['wrong-secret-value-77', fake.m2m.secret])).toEqual([]);
  });

  it('never prints the client secret or the M2M secret, even when Logto echoes them', async () => {
    const fake = await start();
    fake.fail('POST /api/connectors', {
      kind: 'answer',
      status: 400,
      body: { code: 'connector.invalid_config', message: `bad config ${JSON.stringify(officialConfig)} for ${fake.m2m.secret}` },
    });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(result.err).toContain('bad config');
    expect(leaks(result.all, [clientSecret, fake.m2m.secret])).toEqual([]);
  });

  it('takes options before the environment and names what is missing', async () => {
    const fake = await start();
    const out: string[] = [];
    const err: string[] = [];
    const output = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };

    expect(await runCli(['migrate', '--endpoint', fake.url], {}, output)).toBe(2);
    expect(err.join('\n')).toContain('Missing --m2m-id (or LOGTO_M2M_APP_ID), --m2m-secret (or LOGTO_M2M_APP_SECRET).');

    const code = await runCli(
      ['migrate', '--dry-run', '--endpoint', fake.url, '--m2m-id', fake.m2m.id],
      { LOGTO_ENDPOINT: 'http://127.0.0.1:1', LOGTO_M2M_APP_SECRET: fake.m2m.secret },
      output
    );
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('Dry run: nothing was changed.');
  });
});
