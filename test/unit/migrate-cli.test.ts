/**
 * The command line of `connector-huggingface`: its usage text (within 80 columns), its version,
 * commands, options and their environment variables, exit codes (0 done, nothing to do or dry
 * run; 1 not migrated; 2 bad usage, told in three lines at most) and what a dry run shows, as the
 * README's migrate section and the usage text describe.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  changes,
  clientSecret,
  credentialsOf,
  leaks,
  official,
  otherConnector,
  run,
  runCommand,
  useFakeLogto,
} from './migrate-fixtures.js';

const start = useFakeLogto();

/** The package's own manifest, the source of the version. */
const packageJson = () =>
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The options and variables the README's table documents. */
const documentedOptions = [
  ['--endpoint', 'LOGTO_ENDPOINT'],
  ['--m2m-id', 'LOGTO_M2M_APP_ID'],
  ['--m2m-secret', 'LOGTO_M2M_APP_SECRET'],
  ['--token-endpoint', 'LOGTO_TOKEN_ENDPOINT'],
  ['--resource', 'LOGTO_MANAGEMENT_API_RESOURCE'],
] as const;

describe('usage', () => {
  it.each([[['--help']], [['help']], [['migrate', '--help']], [['migrate', '--dry-run', '--help']]])(
    '%j prints the usage on stdout and exits 0',
    async (argv) => {
      const result = await runCommand(argv, {});

      expect(result.code).toBe(0);
      expect(result.err).toBe('');
      expect(result.out).toMatch(/^Usage: connector-huggingface migrate \[options\]\n/);
      for (const [option, variable] of documentedOptions) {
        expect(result.out).toContain(option);
        expect(result.out).toContain(`(${variable})`);
      }
      expect(result.out).toContain('--dry-run');
      expect(result.out).toContain('https://default.logto.app/api');
    }
  );

  const complete = { LOGTO_ENDPOINT: 'http://127.0.0.1:1', LOGTO_M2M_APP_ID: 'id', LOGTO_M2M_APP_SECRET: 'm2m-secret-Qx7WvA9pL2' };

  it.each([
    ['no command', [], 'No command given.'],
    ['an unknown command', ['migrat'], 'Unknown command "migrat".'],
    ['an unknown option', ['migrate', '--endpiont', 'http://127.0.0.1:1'], "'--endpiont'"],
    ['a stray argument', ['migrate', 'now'], "'now'"],
    ['a missing value', ['migrate'], 'Missing --endpoint (or LOGTO_ENDPOINT)'],
  ])('%s is bad usage: exit 2, the problem, the synopsis and a pointer to --help, nothing more', async (_, argv, problem) => {
    const result = await runCommand(argv, argv.length > 1 ? complete : {});

    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err.split('\n')).toEqual([
      expect.stringContaining(problem),
      'Usage: connector-huggingface migrate [options]',
      'Run `connector-huggingface --help` for the options.',
    ]);
  });

  it.each([[['--version']], [['migrate', '--version']]])('%j prints the version in package.json and exits 0', async (argv) => {
    const result = await runCommand(argv, {});

    expect(result).toMatchObject({ code: 0, out: packageJson().version, err: '' });
  });

  it('keeps the help within 80 columns, every description starting in the same column', async () => {
    const lines = (await runCommand(['--help'], {})).out.split('\n');
    const table = lines.slice(lines.findIndex((line) => line.startsWith('Options')) + 1);
    const column = (line: string) => /^ {2}--\S+(?: [A-Z]+)? +/.exec(line)?.[0].length ?? /^ +/.exec(line)?.[0].length;

    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    expect(table.filter((line) => line.startsWith('  --'))).toHaveLength(8);
    expect(new Set(table.map((line) => column(line)))).toEqual(new Set([24]));
  });
});

describe('options and environment', () => {
  const complete = { LOGTO_ENDPOINT: 'http://127.0.0.1:1', LOGTO_M2M_APP_ID: 'id', LOGTO_M2M_APP_SECRET: 'm2m-secret-Qx7WvA9pL2' };

  it.each([
    ['LOGTO_ENDPOINT', '--endpoint (or LOGTO_ENDPOINT)'],
    ['LOGTO_M2M_APP_ID', '--m2m-id (or LOGTO_M2M_APP_ID)'],
    ['LOGTO_M2M_APP_SECRET', '--m2m-secret (or LOGTO_M2M_APP_SECRET)'],
  ] as const)('names %s alone when only it is missing or empty', async (variable, named) => {
    for (const value of [undefined, '']) {
      // eslint-disable-next-line no-await-in-loop -- one run after the other, each with its own output
      const result = await runCommand(['migrate'], { ...complete, [variable]: value });

      expect(result.code).toBe(2);
      expect(result.err.split('\n')[0]).toBe(`Missing ${named}.`);
    }
  });

  it('names every missing value at once', async () => {
    const result = await runCommand(['migrate'], {});

    expect(result.code).toBe(2);
    expect(result.err.split('\n')[0]).toBe(
      'Missing --endpoint (or LOGTO_ENDPOINT), --m2m-id (or LOGTO_M2M_APP_ID), --m2m-secret (or LOGTO_M2M_APP_SECRET).'
    );
  });

  it.each([
    ['--endpoint', ['--endpoint', 'auth.example.com']],
    ['--endpoint', ['--endpoint', 'ftp://127.0.0.1/']],
    ['--token-endpoint', ['--token-endpoint', 'file:///oidc/token']],
    ['--token-endpoint', ['--token-endpoint', '/oidc/token']],
  ])('refuses %s when it is not an http(s) URL (%j)', async (option, args) => {
    const result = await runCommand(['migrate', ...args], complete);

    expect(result.code).toBe(2);
    expect(result.err.split('\n')[0]).toMatch(new RegExp(`^${option} must be an http\\(s\\) URL`));
  });

  it.each([['http://127.0.0.1:1'], ['https://127.0.0.1:1']])('accepts %s as endpoint and reports it unreachable', async (endpoint) => {
    const result = await runCommand(['migrate', '--endpoint', endpoint], complete);

    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^Could not read the Logto instance, nothing was changed: .*no answer from Logto/);
  });

  it.each([['the option', true], ['the variable', false]])('takes the token endpoint from %s', async (_, asOption) => {
    const fake = await start();
    const url = `${fake.url}/admin/token`;
    const result = await runCommand(['migrate', ...(asOption ? ['--token-endpoint', url] : [])], {
      ...credentialsOf(fake),
      ...(asOption ? {} : { LOGTO_TOKEN_ENDPOINT: url }),
    });

    expect(result.code).toBe(1);
    expect(fake.requests[0]?.path).toBe('/admin/token');
    expect(result.err).toContain('POST /admin/token');
  });

  it.each([
    ['the option', ['--resource', 'https://admin.logto.app/api'], {}],
    ['the variable', [], { LOGTO_MANAGEMENT_API_RESOURCE: 'https://admin.logto.app/api' }],
  ])('takes the resource from %s', async (_, args, env) => {
    const fake = await start();
    const result = await runCommand(['migrate', ...args], { ...credentialsOf(fake), ...env });

    expect(result.code).toBe(1);
    expect(fake.requests[0]?.body).toMatchObject({ resource: 'https://admin.logto.app/api' });
    expect(result.err).toContain('invalid_target');
  });

  it('asks for the default resource without one', async () => {
    const fake = await start();
    await run(fake, '--dry-run');

    expect(fake.requests[0]?.body).toMatchObject({ resource: 'https://default.logto.app/api' });
  });
});

describe('the dry run', () => {
  it('shows the connector, its config without the secret, the buttons and the plan', async () => {
    const fake = await start();
    const result = await run(fake, '--dry-run');

    expect(result.code).toBe(0);
    expect(changes(fake)).toEqual([]);
    expect(result.out).toContain('config: clientId="hf-client-id", clientSecret=(hidden), scope="openid profile email"');
    expect(result.out).toContain('syncProfile: true, enableTokenStorage: false');
    expect(result.out).toContain('social buttons of the sign-in experience: github, huggingface');
    expect(result.out.split('\n')).toContain('Plan:');
    expect(result.out).toMatch(/DELETE \/api\/connectors\/k3x9hfconn/);
    expect(result.out).toMatch(/POST \/api\/connectors with id k3x9hfconn, connectorId huggingface-oidc-universal/);
    expect(result.out).toMatch(/put "huggingface" back among the social buttons/);
    expect(result.out).toMatch(/unavailable between/);
    expect(leaks(result.all, [clientSecret, fake.m2m.secret])).toEqual([]);
  });

  it('says the buttons stay as they are when "huggingface" is not among them', async () => {
    const fake = await start({ socialTargets: [] });
    const result = await run(fake, '--dry-run');

    expect(result.out).toContain('social buttons of the sign-in experience: (none)');
    expect(result.out).toContain('"huggingface" is not among them');
    expect(result.out).not.toContain('put "huggingface" back');
  });

  it('shows enableTokenStorage false for a Logto whose listing has no such field', async () => {
    const { enableTokenStorage: _absent, ...older } = official({ syncProfile: false });
    const fake = await start({ connectors: [older, otherConnector] });
    const result = await run(fake, '--dry-run');

    expect(result.out).toContain('syncProfile: false, enableTokenStorage: false');
  });

  it('shows the callback URL registered at Hugging Face, also for an endpoint with trailing slashes', async () => {
    const fake = await start();
    const result = await runCommand(['migrate', '--dry-run', '--endpoint', `${fake.url}//`], credentialsOf(fake));

    expect(result.code).toBe(0);
    expect(result.out).toContain(`callback URL ${fake.url}/callback/k3x9hfconn\n`);
  });
});

describe('outcomes', () => {
  it('names the connector that already uses this connector', async () => {
    const fake = await start({ connectors: [otherConnector, official({ connectorId: 'huggingface-oidc-universal' })] });
    const result = await run(fake);

    expect(result.code).toBe(0);
    expect(result.out).toBe('Nothing to do: connector k3x9hfconn already uses huggingface-oidc-universal.');
  });

  it('stops when no Hugging Face connector exists at all', async () => {
    const fake = await start({ connectors: [otherConnector], socialTargets: ['github'] });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(changes(fake)).toEqual([]);
    expect(result.err).toContain('No connector of the official factory "huggingface-universal"');
    expect(result.err).toContain('\nNothing to migrate');
  });

  it.each([
    ['a connector without id', 'GET /api/connectors', [{ ...official(), id: undefined }]],
    ['a factory without id', 'GET /api/connector-factories', [{ target: 'huggingface', platform: 'Universal' }]],
    ['a sign-in experience without social targets', 'GET /api/sign-in-exp', { id: 'default' }],
  ])('stops before any change when Logto lists %s', async (_, request, body) => {
    const fake = await start();
    fake.fail(request, { kind: 'answer', status: 200, body });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(changes(fake)).toEqual([]);
    expect(result.err).toMatch(/^Could not read the Logto instance, nothing was changed: /);
  });

  it('says how to install this connector when Logto does not list it', async () => {
    const fake = await start({ installed: ['huggingface-universal', 'github-universal'] });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(result.err.split('\n')[1]).toMatch(/^Install it with `npx @logto\/cli connector add` .*restart Logto/);
  });

  it('lists each problem of a refused config on its own line, then where to correct it', async () => {
    const config = { clientId: '', clientSecret, scope: 'profile repo' };
    const fake = await start({ connectors: [official({ config }), otherConnector] });
    const result = await run(fake);

    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toEqual([
      "The official connector's config (connector id k3x9hfconn) does not pass this connector's checks:",
      expect.stringMatching(/^ {2}clientId: \S/),
      expect.stringMatching(/^ {2}scope: \S/),
      expect.stringMatching(/^Correct it in the console .* PATCH \/api\/connectors\/k3x9hfconn, then run this command again\. Nothing was changed\.$/),
    ]);
  });

  it('does not speak of a button it did not have to put back', async () => {
    const fake = await start({ socialTargets: ['github'] });
    const result = await run(fake);

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Done: Hugging Face sign-in now runs through huggingface-oidc-universal under connector id k3x9hfconn; no connector for \d+ ms\.$/m);
  });
});

describe('the installed command', () => {
  const argv = process.argv;
  afterEach(() => {
    process.argv = argv;
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  /** Runs bin.ts as the package's command would, with these arguments. */
  const runBin = async (...args: string[]) => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.argv = ['node', 'connector-huggingface', ...args];
    vi.resetModules();
    await import('../../src/migrate/bin.js');
    return {
      code: process.exitCode,
      stdout: stdout.mock.calls.map(([chunk]) => String(chunk)).join(''),
      stderr: stderr.mock.calls.map(([chunk]) => String(chunk)).join(''),
    };
  };

  it('reads its arguments after the program name and writes lines to stdout', async () => {
    const result = await runBin('--help');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: connector-huggingface migrate .*\n$/s);
    expect(result.stderr).toBe('');
  });

  it('prints its version when run from the built lib/, where the package runs it from', async () => {
    const bin = fileURLToPath(new URL('../../lib/migrate/bin.js', import.meta.url));
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, '--version']);

    expect({ stdout, stderr }).toEqual({ stdout: `${packageJson().version}\n`, stderr: '' });
  });

  it('writes problems to stderr and exits 2 on bad usage', async () => {
    const result = await runBin('migrat');

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Unknown command "migrat"\..*\n$/s);
    expect(result.stdout).toBe('');
  });
});
