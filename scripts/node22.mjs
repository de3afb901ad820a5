// Node 22, the version Logto runs on, for tests that must run on it whatever Node runs them: it
// comes from the npm registry's `node` package into .cache/node22, once.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository's root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const prefix = path.join(repoRoot, '.cache', 'node22');

/**
 * Returns the path of a Node 22 executable: this process's own when it is Node 22, otherwise the
 * one in .cache/node22, installed there first when missing.
 *
 * @returns {string}
 */
export const ensureNode22 = () => {
  if (Number(process.versions.node.split('.')[0]) === 22) {
    return process.execPath;
  }
  const node22 = path.join(prefix, 'node_modules', '.bin', 'node');
  if (!existsSync(node22)) {
    const args = ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'node@22'];
    const result = spawnSync('npm', args, { stdio: 'inherit', cwd: repoRoot });
    if (result.status !== 0 || !existsSync(node22)) {
      throw new Error(`npm ${args.join(' ')} failed (${result.status ?? result.signal}).`);
    }
  }
  return node22;
};
