/**
 * The package's command (`bin.ts`): the arguments after the program name, lines on stdout and
 * stderr, the exit status in `process.exitCode`; and the version read beside the built `lib/`.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it, vi } from 'vitest';

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
  const written = (spy: typeof stdout) => spy.mock.calls.map(([chunk]) => String(chunk)).join('');
  return { code: process.exitCode, stdout: written(stdout), stderr: written(stderr) };
};

describe('connector-huggingface', () => {
  it('reads its arguments after the program name and writes lines to stdout', async () => {
    const result = await runBin('--help');

    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: connector-huggingface migrate .*\n$/s), stderr: '' });
  });

  it('writes problems to stderr and exits 2 on bad usage', async () => {
    const result = await runBin('migrat');

    expect(result).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^Unknown command "migrat"\..*\n$/s) });
  });

  it('prints its version when run from the built lib/, where the package runs it from', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const bin = fileURLToPath(new URL('../../lib/migrate/bin.js', import.meta.url));

    expect(await promisify(execFile)(process.execPath, [bin, '--version'])).toEqual({ stdout: `${version}\n`, stderr: '' });
  });
});
