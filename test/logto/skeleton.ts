/**
 * A minimal Logto instance on disk: `packages/core` with Logto core's own copies of the packages
 * a connector may import, and an empty `packages/core/connectors` for `logto connector add`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { repoRoot } from './pack.js';

const execFileAsync = promisify(execFile);

/**
 * The packages Logto core provides to connectors, with core's versions. `logto connector add`
 * installs nothing, so a connector can only use these.
 */
export const logtoCoreDependencies: Readonly<Record<string, string>> = {
  '@logto/connector-kit': '5.1.1',
  '@silverhand/essentials': '^2',
  got: '^14',
  jose: '^6',
  ky: '^1',
  nanoid: '^5',
  'snakecase-keys': '^8',
  zod: '3.24.3',
};

const layoutVersion = 1;
const installTimeoutMs = 170_000;
const cacheRoot = path.join(repoRoot, '.cache', 'logto-skeleton');

const cacheKey = () =>
  createHash('sha256')
    .update(
      JSON.stringify({
        layoutVersion,
        dependencies: Object.entries(logtoCoreDependencies).sort(([a], [b]) => a.localeCompare(b)),
      })
    )
    .digest('hex')
    .slice(0, 16);

const rootPackageJson = { name: 'logto-instance', private: true };

const corePackageJson = {
  name: '@logto/core',
  version: '0.0.0',
  private: true,
  type: 'module',
  dependencies: logtoCoreDependencies,
};

const writeJson = async (file: string, value: unknown) =>
  writeFile(file, `${JSON.stringify(value, undefined, 2)}\n`);

const buildSkeleton = async (target: string) => {
  const building = await mkdtemp(path.join(cacheRoot, '.building-'));
  try {
    const core = path.join(building, 'packages', 'core');
    await mkdir(core, { recursive: true });
    await writeJson(path.join(building, 'package.json'), rootPackageJson);
    await writeJson(path.join(core, 'package.json'), corePackageJson);
    await execFileAsync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: core,
      timeout: installTimeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: unknown) => {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`npm install of the Logto skeleton failed: ${stderr.slice(-2000)}`, {
        cause: error,
      });
    });
    const missing = Object.keys(logtoCoreDependencies).filter(
      (name) => !existsSync(path.join(core, 'node_modules', name, 'package.json'))
    );
    if (missing.length > 0) {
      throw new Error(`npm install left out ${missing.join(', ')}`);
    }
    try {
      await rename(building, target);
    } catch (error) {
      // Another process finished first; its copy is as good as ours.
      if (!existsSync(target)) {
        throw error;
      }
    }
  } finally {
    await rm(building, { recursive: true, force: true });
  }
};

/**
 * Returns the cached skeleton for the current dependency list, installing it from the npm
 * registry first when it is missing. Only complete installs are ever renamed into place.
 */
export const ensureSkeleton = async (): Promise<string> => {
  const target = path.join(cacheRoot, cacheKey());
  if (!existsSync(target)) {
    await mkdir(cacheRoot, { recursive: true });
    await buildSkeleton(target);
  }
  return target;
};

/** A throwaway copy of the skeleton. */
export type LogtoInstance = {
  /** The instance root, what `logto connector add --path` takes. */
  root: string;
  /** `<root>/packages/core`. */
  core: string;
  /** `<root>/packages/core/connectors`, absent until a connector is added. */
  connectors: string;
  /** Deletes the copy. */
  dispose: () => Promise<void>;
};

/**
 * Copies the cached skeleton into a new temporary folder, so every run starts without
 * connectors and runs never share one.
 */
export const createLogtoInstance = async (): Promise<LogtoInstance> => {
  const skeleton = await ensureSkeleton();
  // `logto connector add` passes the path to a shell unquoted, so the folder must not have spaces.
  const root = await mkdtemp(path.join(tmpdir(), 'logto-instance-'));
  if (/\s/.test(root)) {
    throw new Error(`The temporary folder ${root} contains whitespace, which the Logto CLI cannot handle.`);
  }
  await cp(skeleton, root, { recursive: true, verbatimSymlinks: true });
  const core = path.join(root, 'packages', 'core');
  return {
    root,
    core,
    connectors: path.join(core, 'connectors'),
    dispose: async () => rm(root, { recursive: true, force: true }),
  };
};
