// Stryker, for `npm run mutate`. Stryker 10 and the Babel 8 it parses with want Node 22, so they
// are not devDependencies: they are installed on first use from scripts/stryker/'s lockfile into
// .cache/stryker, and installed again when that lockfile changes. The vitest runner uses this
// repository's vitest (the install leaves peer dependencies out, and .cache/ is inside the
// repository, so `vitest` resolves from its node_modules), the same copy the tests import.
import { existsSync } from 'node:fs';
import { copyFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { cacheRoot, installIntoCache, quietNpmOptions, repoRoot } from './cache-install.mjs';

const sourceFolder = path.join(repoRoot, 'scripts', 'stryker');
const strykerFolder = path.join(cacheRoot, 'stryker');
const lockfileName = 'package-lock.json';

/** Roughly how many megabytes the install takes on disk. */
export const strykerMegabytes = 60;

/**
 * The folder of an installed Stryker package, e.g. `@stryker-mutator/core`.
 *
 * @param {string} name
 * @returns {string}
 */
export const strykerPackage = (name) => path.join(strykerFolder, 'node_modules', name);

const readText = async (file) => (existsSync(file) ? readFile(file, 'utf8') : undefined);

/**
 * Installs Stryker into .cache/stryker when missing or installed from another lockfile.
 *
 * @param {(line: string) => void} [log] - Where the install's progress lines go.
 * @returns {Promise<string>} Stryker's command-line script.
 */
export const ensureStryker = async (log) => {
  const wanted = await readFile(path.join(sourceFolder, lockfileName), 'utf8');
  if ((await readText(path.join(strykerFolder, lockfileName))) !== wanted) {
    await rm(strykerFolder, { recursive: true, force: true });
  }
  await installIntoCache({
    target: strykerFolder,
    title: 'Stryker',
    megabytes: strykerMegabytes,
    prepare: async (folder) => {
      await Promise.all(
        ['package.json', lockfileName, '.npmrc'].map((file) => copyFile(path.join(sourceFolder, file), path.join(folder, file)))
      );
      return folder;
    },
    npmArgs: ['ci', ...quietNpmOptions, '--engine-strict=false'],
    log,
  });
  return path.join(strykerPackage('@stryker-mutator/core'), 'bin', 'stryker.js');
};
