// Node 22, the version Logto runs on, for what must run on it whatever Node runs the command:
// the npm registry's `node` package, installed into .cache/node22 on first use.
import path from 'node:path';

import { cacheRoot, installIntoCache, quietNpmOptions, repoRoot, writePackageJson } from './cache-install.mjs';

export { repoRoot };

/** Where Node 22 is installed. */
export const node22Folder = path.join(cacheRoot, 'node22');

/** Roughly how many megabytes the install takes on disk. */
export const node22Megabytes = 190;

/** Whether this process already runs on Node 22. */
export const runsOnNode22 = () => Number(process.versions.node.split('.')[0]) === 22;

/**
 * Returns the path of a Node 22 executable: this process's own when it is Node 22, otherwise the
 * one in .cache/node22, installed there first (and announced) when missing.
 *
 * @param {(line: string) => void} [log] - Where the install's progress lines go.
 * @returns {Promise<string>}
 */
export const ensureNode22 = async (log) => {
  if (runsOnNode22()) {
    return process.execPath;
  }
  await installIntoCache({
    target: node22Folder,
    title: 'Node 22',
    megabytes: node22Megabytes,
    prepare: async (folder) => {
      await writePackageJson(folder);
      return folder;
    },
    npmArgs: ['install', '--no-save', ...quietNpmOptions, 'node@22'],
    log,
  });
  return path.join(node22Folder, 'node_modules', '.bin', 'node');
};
