/**
 * The package's command (`bin.ts`): the arguments after the program name, lines on stdout and
 * stderr, the exit status in `process.exitCode`. The version, read beside the built `lib/`, is
 * checked on the packed package (`test/logto/package-contents.test.ts`).
 */
import { afterEach, expect, it, vi } from 'vitest';

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

it.each([
  [['--help'], 0, 'stdout', /^Usage: connector-huggingface migrate .*\n$/s],
  [['migrat'], 2, 'stderr', /^Unknown command "migrat"\..*\n$/s],
] as const)('reads %j after the program name: exit %i, lines on %s only', async (args, code, stream, lines) => {
  const result = await runBin(...args);

  expect(result).toEqual({ code, stdout: '', stderr: '', [stream]: expect.stringMatching(lines) });
});

