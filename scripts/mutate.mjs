#!/usr/bin/env node
// `npm run mutate`: Stryker's mutation testing of src/ against the unit suite (stryker.config.json,
// summary in MUTATION.md). Stryker 10 needs Node 22, the version Logto runs on; on another Node it
// runs under the Node 22 that `npm test` installs into .cache/node22 (installed here if missing).
// Arguments pass through to `stryker run`, e.g. `npm run mutate -- --mutate src/http.ts`; only a
// run over the whole of src/ (no --mutate) rewrites MUTATION.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stryker = path.join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const prefix = path.join(root, '.cache', 'node22');
const node22 = path.join(prefix, 'node_modules', '.bin', 'node');

let node = process.execPath;
if (Number(process.versions.node.split('.')[0]) < 22) {
  if (!existsSync(node22)) {
    const install = spawnSync(
      'npm',
      ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'node@22'],
      { stdio: 'inherit', cwd: root }
    );
    if (install.status !== 0) {
      console.error('Could not install Node 22, which Stryker needs.');
      process.exit(install.status ?? 1);
    }
  }
  node = node22;
}

// Stryker's child processes (the vitest runners) must run on the same Node.
const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` };
const args = process.argv.slice(2);
const result = spawnSync(node, [stryker, 'run', ...args], { stdio: 'inherit', cwd: root, env });
if (result.status === 0 && !args.some((arg) => arg === '--mutate' || arg.startsWith('--mutate=') || arg === '-m')) {
  const summary = spawnSync(node, [path.join(root, 'scripts', 'mutation-summary.mjs')], { stdio: 'inherit', cwd: root });
  process.exit(summary.status ?? 1);
}
process.exit(result.status ?? 1);
