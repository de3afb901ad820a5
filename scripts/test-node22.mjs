#!/usr/bin/env node
// Runs the test suites again on Node 22, the version Logto runs on, after `vitest run` has run
// them on this machine's Node. Node 22 comes from the npm registry's `node` package into
// .cache/node22, once. The browser suite runs once, on the machine's Node, since it only
// drives the playground server.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major === 22) {
  console.log('Node 22 already ran the suites.');
  process.exit(0);
}

const prefix = path.join(root, '.cache', 'node22');
const node22 = path.join(prefix, 'node_modules', '.bin', 'node');

const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`${path.basename(command)} ${args.join(' ')} failed (${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
};

if (!existsSync(node22)) {
  run('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'node@22']);
}

const version = spawnSync(node22, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`Running the suites again on Node ${version}.`);
run(node22, [
  path.join(root, 'node_modules', 'vitest', 'vitest.mjs'),
  'run',
  'test/unit',
  'test/logto',
  'test/integration',
  'test/hostile',
  'test/playground',
  'stand-in',
]);
