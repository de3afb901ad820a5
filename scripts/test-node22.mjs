#!/usr/bin/env node
// Runs the test suites again on Node 22, the version Logto runs on, after `vitest run` has run
// them on this machine's Node. Node 22 comes from the npm registry's `node` package into
// .cache/node22, once (scripts/test-downloads.ts fetches it before the first run's tests). The browser suite runs once, on the machine's Node, since it only
// drives the playground server; so does the Logto release matrix, whose Logto side already runs
// on Node 22 whatever Node runs vitest.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { ensureNode22, repoRoot as root, runsOnNode22 } from './node22.mjs';

if (runsOnNode22()) {
  console.log('Node 22 already ran the suites.');
  process.exit(0);
}

const node22 = await ensureNode22();
const version = spawnSync(node22, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`Running the suites again on Node ${version}.`);
const result = spawnSync(
  node22,
  [
    path.join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    'test/unit',
    'test/logto',
    'test/integration',
    'test/hostile',
    'test/playground',
    'stand-in',
    '--exclude',
    'test/logto/matrix.test.ts',
  ],
  { stdio: 'inherit', cwd: root }
);
if (result.status !== 0) {
  console.error(`vitest on Node ${version} failed (${result.status ?? result.signal}).`);
  process.exit(result.status ?? 1);
}
