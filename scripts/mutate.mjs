#!/usr/bin/env node
// `npm run mutate`: Stryker's mutation testing of src/ against the unit suite (stryker.config.json,
// summary in MUTATION.md). Stryker 10 needs Node 22, the version Logto runs on; on another Node it
// runs under the Node 22 that `npm test` installs into .cache/node22 (installed here if missing).
// Stryker itself is installed into .cache/stryker on first use (scripts/stryker.mjs).
// Arguments pass through to `stryker run`, e.g. `npm run mutate -- --mutate src/http.ts`; only a
// run over the whole of src/ (no --mutate) rewrites MUTATION.md.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { ensureNode22, repoRoot as root } from './node22.mjs';
import { ensureStryker } from './stryker.mjs';

const node = await ensureNode22();
const stryker = await ensureStryker();

// Stryker's child processes (the vitest runners) must run on the same Node.
const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` };
const args = process.argv.slice(2);
const result = spawnSync(node, [stryker, 'run', ...args], { stdio: 'inherit', cwd: root, env });
if (result.status === 0 && !args.some((arg) => arg === '--mutate' || arg.startsWith('--mutate=') || arg === '-m')) {
  const summary = spawnSync(node, [path.join(root, 'scripts', 'mutation-summary.mjs')], { stdio: 'inherit', cwd: root });
  process.exit(summary.status ?? 1);
}
process.exit(result.status ?? 1);
