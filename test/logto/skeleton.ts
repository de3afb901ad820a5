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

import { cacheRoot as repositoryCache, installIntoCache, quietNpmOptions } from '../../scripts/cache-install.mjs';
import { withFileLock } from './pack.js';
import { type LogtoRelease, sharedCoreDependencies } from './releases.js';

/**
 * What core's `package.json` declares for one release. The CLI's own `@logto/connector-kit` is
 * pinned to the release's (an npm override), so, as in Logto's workspace, the loader and the
 * connectors share core's single copy and the loader checks our range against that version.
 */
export const coreDependenciesOf = (release: LogtoRelease): Record<string, string> => ({
  ...sharedCoreDependencies,
  '@logto/cli': release.cli,
  '@logto/connector-kit': release.connectorKit,
  jose: release.jose,
});

const layoutVersion = 2;
const installTimeoutMs = 600_000;
const cacheRoot = path.join(repositoryCache, 'logto-skeleton');

const cacheKey = (release: LogtoRelease) =>
  createHash('sha256')
    .update(
      JSON.stringify({
        layoutVersion,
        dependencies: Object.entries(coreDependenciesOf(release)).sort(([a], [b]) => a.localeCompare(b)),
      })
    )
    .digest('hex')
    .slice(0, 16);

const rootPackageJson = { name: 'logto-instance', private: true };

const corePackageJson = (release: LogtoRelease) => ({
  name: '@logto/core',
  version: '0.0.0',
  private: true,
  type: 'module',
  dependencies: coreDependenciesOf(release),
  overrides: { '@logto/connector-kit': '$@logto/connector-kit' },
});

const writeJson = async (file: string, value: unknown) =>
  writeFile(file, `${JSON.stringify(value, undefined, 2)}\n`);

/** Roughly how many megabytes one skeleton takes on disk. */
export const skeletonMegabytes = 90;

/** Where the skeletons are kept, one folder each. */
export const skeletonsFolder = cacheRoot;

/** The folder of `release`'s skeleton; it exists once the skeleton is complete. */
export const skeletonFolder = (release: LogtoRelease): string => path.join(cacheRoot, cacheKey(release));

const checkSkeleton = (release: LogtoRelease, core: string) => {
  const missing = Object.keys(coreDependenciesOf(release)).filter(
    (name) => !existsSync(path.join(core, 'node_modules', name, 'package.json'))
  );
  if (missing.length > 0) {
    throw new Error(`npm install left out ${missing.join(', ')}`);
  }
  if (existsSync(path.join(core, 'node_modules', '@logto', 'cli', 'node_modules', '@logto', 'connector-kit'))) {
    throw new Error(`@logto/cli ${release.cli} got a connector-kit of its own, not core's ${release.connectorKit}`);
  }
};

const buildSkeleton = async (release: LogtoRelease, target: string, log?: (line: string) => void) =>
  installIntoCache({
    target,
    title: `Logto ${release.releases} skeleton`,
    megabytes: skeletonMegabytes,
    prepare: async (building) => {
      const core = path.join(building, 'packages', 'core');
      await mkdir(core, { recursive: true });
      await writeJson(path.join(building, 'package.json'), rootPackageJson);
      await writeJson(path.join(core, 'package.json'), corePackageJson(release));
      return core;
    },
    npmArgs: ['install', ...quietNpmOptions, '--ignore-scripts', '--engine-strict=false'],
    finish: (building) => {
      checkSkeleton(release, path.join(building, 'packages', 'core'));
    },
    log,
    timeoutMs: installTimeoutMs,
  });

const building = new Map<string, Promise<string>>();

/**
 * Returns the cached skeleton of `release`, installing it from the npm registry first when it is
 * missing (and saying so through `log`). Only complete installs are ever renamed into place, so
 * an interrupted run leaves no half-built skeleton behind.
 */
export const ensureSkeleton = async (release: LogtoRelease, log?: (line: string) => void): Promise<string> => {
  const target = skeletonFolder(release);
  if (existsSync(target)) {
    return target;
  }
  // One build per skeleton on this machine: other test files (other processes) wait for it.
  const pending =
    building.get(target) ??
    withFileLock(`${target}.lock`, installTimeoutMs + 60_000, async () => {
      await buildSkeleton(release, target, log);
      return target;
    });
  building.set(target, pending);
  try {
    return await pending;
  } finally {
    building.delete(target);
  }
};

/** A throwaway Logto instance laid out like Logto's own (`/etc/logto` in its Docker image). */
export type LogtoInstance = {
  /** The release it stands for. */
  release: LogtoRelease;
  /** The instance root, what `logto connector add --path` takes. */
  root: string;
  /** `<root>/packages/core`. */
  core: string;
  /** `<root>/packages/core/connectors`, absent until a connector is added. */
  connectors: string;
  /** The release's `@logto/cli` package folder, inside core's node_modules. */
  cliPackage: string;
  /** Deletes the instance (the cached skeleton stays). */
  dispose: () => Promise<void>;
};

/**
 * Makes a new instance of `release` in a temporary folder, so every run starts without
 * connectors and runs never share one. Its `packages/core/node_modules` is a link to the cached
 * skeleton's (a copy of the CLI's dependencies would cost seconds per instance); what a connector
 * in `packages/core/connectors` imports still resolves through it, as in Logto.
 */
export const createLogtoInstance = async (release: LogtoRelease): Promise<LogtoInstance> => {
  const skeleton = await ensureSkeleton(release);
  // `logto connector add` passes the path to a shell unquoted, so the folder must not have spaces.
  const root = await mkdtemp(path.join(tmpdir(), 'logto-instance-'));
  if (/\s/.test(root)) {
    throw new Error(`The temporary folder ${root} contains whitespace, which the Logto CLI cannot handle.`);
  }
  const core = path.join(root, 'packages', 'core');
  await mkdir(core, { recursive: true });
  await writeJson(path.join(root, 'package.json'), rootPackageJson);
  await writeJson(path.join(core, 'package.json'), corePackageJson(release));
  const nodeModules = path.join(core, 'node_modules');
  await symlink(path.join(skeleton, 'packages', 'core', 'node_modules'), nodeModules, 'dir');
  return {
    release,
    root,
    core,
    connectors: path.join(core, 'connectors'),
    cliPackage: path.join(nodeModules, '@logto', 'cli'),
    dispose: async () => rm(root, { recursive: true, force: true }),
  };
};
