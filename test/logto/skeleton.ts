/**
 * Minimal Logto instances on disk, one per supported release: `packages/core` with that
 * release's copies of the packages a connector may import and of `@logto/cli` (core depends on
 * it, and its loader is what core runs at start), and an empty `packages/core/connectors` for
 * `logto connector add`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { cacheRoot, installIntoCache, quietNpmOptions } from '../../scripts/cache-install.mjs';
import { withFileLock } from './pack.js';
import { coreDependenciesOf, type LogtoRelease } from './releases.js';

const layoutVersion = 2;
const installTimeoutMs = 600_000;

/** Roughly how many megabytes one skeleton takes on disk. */
export const skeletonMegabytes = 90;

/** Where the skeletons are kept, one folder each. */
export const skeletonsFolder = path.join(cacheRoot, 'logto-skeleton');

/** The folder of `release`'s skeleton; it exists once the skeleton is complete. */
export const skeletonFolder = (release: LogtoRelease): string => {
  const dependencies = Object.entries(coreDependenciesOf(release)).sort(([a], [b]) => a.localeCompare(b));
  const key = createHash('sha256').update(JSON.stringify({ layoutVersion, dependencies })).digest('hex');
  return path.join(skeletonsFolder, key.slice(0, 16));
};

const writeJson = async (file: string, value: unknown) => writeFile(file, `${JSON.stringify(value, undefined, 2)}\n`);

/**
 * Writes the instance root's and core's `package.json`. The CLI's own `@logto/connector-kit` is
 * pinned to core's (an npm override), so, as in Logto's workspace, the loader and the connectors
 * share core's single copy and the loader checks our range against that version.
 */
const writeManifests = async (root: string, release: LogtoRelease) => {
  const core = path.join(root, 'packages', 'core');
  await mkdir(core, { recursive: true });
  await writeJson(path.join(root, 'package.json'), { name: 'logto-instance', private: true });
  await writeJson(path.join(core, 'package.json'), {
    name: '@logto/core',
    version: '0.0.0',
    private: true,
    type: 'module',
    dependencies: coreDependenciesOf(release),
    overrides: { '@logto/connector-kit': '$@logto/connector-kit' },
  });
  return core;
};

const checkSkeleton = (release: LogtoRelease, core: string) => {
  const modules = path.join(core, 'node_modules');
  const missing = Object.keys(coreDependenciesOf(release)).filter((name) => !existsSync(path.join(modules, name, 'package.json')));
  if (missing.length > 0) {
    throw new Error(`npm install left out ${missing.join(', ')}`);
  }
  if (existsSync(path.join(modules, '@logto', 'cli', 'node_modules', '@logto', 'connector-kit'))) {
    throw new Error(`@logto/cli ${release.cli} got a connector-kit of its own, not core's ${release.connectorKit}`);
  }
};

/**
 * Returns the cached skeleton of `release`, installing it from the npm registry first when it is
 * missing (and saying so through `log`). Only complete installs are renamed into place, so an
 * interrupted run leaves no half-built skeleton behind; other test files (other processes) wait
 * for a build under way instead of downloading it again.
 */
export const ensureSkeleton = async (release: LogtoRelease, log?: (line: string) => void): Promise<string> => {
  const target = skeletonFolder(release);
  if (existsSync(target)) {
    return target;
  }
  return withFileLock(`${target}.lock`, installTimeoutMs + 60_000, async () =>
    installIntoCache({
      target,
      title: `Logto ${release.releases} skeleton`,
      megabytes: skeletonMegabytes,
      prepare: async (folder) => writeManifests(folder, release),
      npmArgs: ['install', ...quietNpmOptions, '--ignore-scripts', '--engine-strict=false'],
      finish: (folder) => checkSkeleton(release, path.join(folder, 'packages', 'core')),
      log,
      timeoutMs: installTimeoutMs,
    })
  );
};

/**
 * A throwaway Logto instance laid out like Logto's own (`/etc/logto` in its Docker image): its
 * root (what `logto connector add --path` takes), `packages/core`, and `packages/core/connectors`
 * (absent until a connector is added); `dispose` deletes it, not the cached skeleton.
 */
export type LogtoInstance = { root: string; core: string; connectors: string; dispose: () => Promise<void> };

/**
 * Makes a new instance of `release` in a temporary folder, so every run starts without
 * connectors. Its `packages/core/node_modules` links to the cached skeleton's (a copy would cost
 * seconds); what a connector in `packages/core/connectors` imports still resolves through it.
 */
export const createLogtoInstance = async (release: LogtoRelease): Promise<LogtoInstance> => {
  const skeleton = await ensureSkeleton(release);
  // `logto connector add` passes the path to a shell unquoted, so the folder must not have spaces.
  const root = await mkdtemp(path.join(tmpdir(), 'logto-instance-'));
  if (/\s/.test(root)) {
    throw new Error(`The temporary folder ${root} contains whitespace, which the Logto CLI cannot handle.`);
  }
  const core = await writeManifests(root, release);
  await symlink(path.join(skeleton, 'packages', 'core', 'node_modules'), path.join(core, 'node_modules'), 'dir');
  return { root, core, connectors: path.join(core, 'connectors'), dispose: async () => rm(root, { recursive: true, force: true }) };
};
