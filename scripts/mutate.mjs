#!/usr/bin/env node
// `npm run mutate`: Stryker's mutation testing of src/ against the unit suite (stryker.config.json,
// summary in MUTATION.md). Stryker 10 needs Node 22, the version Logto runs on; on another Node it
// runs under the Node 22 that `npm test` installs into .cache/node22 (installed here if missing).
// Stryker itself is installed into .cache/stryker on first use (scripts/stryker.mjs).
// Arguments pass through to `stryker run`, e.g. `npm run mutate -- --mutate src/http.ts`; only a
// run over the whole of src/ (no --mutate) rewrites MUTATION.md.
// `--retest-timeouts` (ours, not Stryker's) first forgets every timed-out mutant in the incremental
// file, so that this run tests them again and keeps every other result: for a run made on a busy
// machine, where a mutant's tests can outrun Stryker's time limit without hanging.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { ensureNode22, repoRoot as root } from './node22.mjs';
import { ensureStryker } from './stryker.mjs';

const node = await ensureNode22();
const stryker = await ensureStryker();

// Stryker's child processes (the vitest runners) must run on the same Node.
const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` };
const retestTimeouts = process.argv.includes('--retest-timeouts');
const args = process.argv.slice(2).filter((arg) => arg !== '--retest-timeouts');
if (retestTimeouts) {
  const incrementalFile = path.join(root, 'reports', 'mutation', 'stryker-incremental.json');
  if (!existsSync(incrementalFile)) {
    console.error(`--retest-timeouts needs an earlier run's ${path.relative(root, incrementalFile)}.`);
    process.exit(2);
  }
  const incremental = JSON.parse(readFileSync(incrementalFile, 'utf8'));
  let forgotten = 0;
  for (const file of Object.values(incremental.files)) {
    const kept = file.mutants.filter((mutant) => mutant.status !== 'Timeout');
    forgotten += file.mutants.length - kept.length;
    file.mutants = kept;
  }
  writeFileSync(incrementalFile, JSON.stringify(incremental));
  console.log(`Testing again the ${forgotten} mutants that timed out; every other result is kept.`);
}
const result = spawnSync(node, [stryker, 'run', ...args], { stdio: 'inherit', cwd: root, env });
if (result.status === 0 && !args.some((arg) => arg === '--mutate' || arg.startsWith('--mutate=') || arg === '-m')) {
  const summary = spawnSync(node, [path.join(root, 'scripts', 'mutation-summary.mjs')], { stdio: 'inherit', cwd: root });
  process.exit(summary.status ?? 1);
}
process.exit(result.status ?? 1);
