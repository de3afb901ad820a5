// The official `@logto/connector-huggingface`, which the tests and the benchmark use besides each
// release's skeleton: loaded beside ours in the release matrix, and measured against ours by
// `npm run bench`. It wants Node 22, so it is installed into .cache/ on first use, not by `npm ci`.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { cacheRoot, installIntoCache, quietNpmOptions, repoRoot, writePackageJson } from './cache-install.mjs';

/** The official connector's version, the newest on the npm registry. */
export const officialConnectorVersion = '0.4.8';

/** Roughly how many megabytes the official connector's install takes on disk. */
export const officialConnectorMegabytes = 20;

/** Where the official connector is installed. */
export const officialConnectorFolder = path.join(cacheRoot, 'official-connector', officialConnectorVersion);

/** The official connector's package folder (its `package.json`, `lib/`), once installed. */
export const officialConnectorPackage = path.join(officialConnectorFolder, 'node_modules', '@logto', 'connector-huggingface');

/**
 * What Logto core shares with the connectors it loads, as this repository installs it: a
 * connector resolves these from core, and the benchmark loads them once before either connector.
 */
const sharedWithConnectors = ['@logto/connector-kit', '@silverhand/essentials', 'got', 'jose', 'ky', 'snakecase-keys', 'zod'];

/**
 * @param {string} folder - A `node_modules` folder.
 * @param {string} name
 * @returns {Promise<string | undefined>} The version installed there, if any.
 */
const installedVersion = async (folder, name) => {
  const file = path.join(folder, name, 'package.json');
  return existsSync(file) ? JSON.parse(await readFile(file, 'utf8')).version : undefined;
};

const repositoryModules = path.join(repoRoot, 'node_modules');

/** The versions of {@link sharedWithConnectors} in this repository's node_modules. */
const sharedVersions = async () => {
  const entries = await Promise.all(
    sharedWithConnectors.map(async (name) => [name, await installedVersion(repositoryModules, name)])
  );
  return Object.fromEntries(entries.filter(([, version]) => version !== undefined));
};

/**
 * Removes from `folder`'s node_modules every shared package at the very version this repository
 * has: the official connector then resolves them from this repository's node_modules (the
 * install is inside it), one copy with ours, as a connector in Logto resolves them from core.
 *
 * @param {string} folder
 * @param {Record<string, string>} versions
 */
const useRepositoryCopies = async (folder, versions) => {
  const modules = path.join(folder, 'node_modules');
  await Promise.all(
    Object.entries(versions).map(async ([name, version]) => {
      if ((await installedVersion(modules, name)) === version) {
        await rm(path.join(modules, name), { recursive: true });
      }
    })
  );
  // npm's record of the tree, now out of date; nothing installs here again.
  await rm(path.join(modules, '.package-lock.json'), { force: true });
};

/**
 * Installs the official connector into .cache/official-connector/<version> when missing. The
 * packages Logto core shares are pinned to this repository's versions and then left out, so
 * both connectors use the same copies (see {@link useRepositoryCopies}).
 *
 * @param {(line: string) => void} [log] - Where the install's progress lines go.
 * @returns {Promise<string>} The official connector's package folder.
 */
export const ensureOfficialConnector = async (log) => {
  const versions = await sharedVersions();
  await installIntoCache({
    target: officialConnectorFolder,
    title: `Official @logto/connector-huggingface ${officialConnectorVersion}`,
    megabytes: officialConnectorMegabytes,
    prepare: async (folder) => {
      await writePackageJson(folder, {
        dependencies: { '@logto/connector-huggingface': officialConnectorVersion, ...versions },
      });
      return folder;
    },
    npmArgs: ['install', ...quietNpmOptions, '--ignore-scripts', '--engine-strict=false', '--no-package-lock'],
    finish: async (folder) => {
      await useRepositoryCopies(folder, versions);
      // What is left is the official connector's own: no package.json claims the rest.
      await writeFile(path.join(folder, 'package.json'), '{ "private": true }\n');
    },
    log,
  });
  return officialConnectorPackage;
};
