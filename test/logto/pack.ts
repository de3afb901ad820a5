/**
 * Packs this package exactly as `npm publish` would, so the Logto tests work on the published
 * tarball rather than on the source tree.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { extract } from 'tar';
import { z } from 'zod';

import { cacheRoot, isProcessAlive, repoRoot } from '../../scripts/cache-install.mjs';

/**
 * What one `npm pack` produced: npm's name and version, the `.tgz`, its entries
 * (`package/lib/index.js`, …), its `package/` folder unpacked, and the temporary folder holding both.
 */
export type PackedPackage = { name: string; version: string; tarball: string; entries: string[]; packageDirectory: string; directory: string };

/** A lock whose owner died, or that has had no owner's pid for 10 s. */
const isStale = async (directory: string) => {
  const pid = Number(await readFile(path.join(directory, 'pid'), 'utf8').catch(() => ''));
  if (Number.isInteger(pid) && pid > 0) {
    return !isProcessAlive(pid);
  }
  const { mtimeMs } = await stat(directory).catch(() => ({ mtimeMs: Date.now() }));
  return Date.now() - mtimeMs > 10_000;
};

/**
 * Runs `work` while holding the lock `lockDirectory`, shared by every process on this machine; waits
 * at most `waitMs` for it. A lock whose owner died is taken over.
 */
export const withFileLock = async <T>(lockDirectory: string, waitMs: number, work: () => Promise<T>): Promise<T> => {
  await mkdir(path.dirname(lockDirectory), { recursive: true });
  const deadline = Date.now() + waitMs;
  // Polling a lock: each attempt waits for the one before it.
  /* eslint-disable no-await-in-loop */
  for (;;) {
    try {
      await mkdir(lockDirectory);
      await writeFile(path.join(lockDirectory, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    if (await isStale(lockDirectory)) {
      await rm(lockDirectory, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${lockDirectory}; remove it if no test is running.`);
    }
    await sleep(200);
  }
  /* eslint-enable no-await-in-loop */
  try {
    return await work();
  } finally {
    await rm(lockDirectory, { recursive: true, force: true });
  }
};

const npmPackResult = z.array(z.object({ name: z.string(), version: z.string(), filename: z.string() })).nonempty();

/** The first result of `npm pack --json`'s output. */
const readPackResult = (stdout: string) => npmPackResult.parse(JSON.parse(stdout))[0];

/** Every file whose content can change the tarball, `lib/` excepted since `prepack` rebuilds it from `src/`. */
const packInputFiles = async (): Promise<string[]> => {
  const { files = [] } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { files?: string[] };
  const roots = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', ...files.filter((entry) => entry !== 'lib')];
  const found = await Promise.all(
    roots.map(async (entry) => {
      const info = await stat(path.join(repoRoot, entry)).catch(() => undefined);
      if (!info?.isDirectory()) {
        return info ? [entry] : [];
      }
      const names = await readdir(path.join(repoRoot, entry), { recursive: true, withFileTypes: true });
      return names.filter((dirent) => dirent.isFile()).map((dirent) => path.relative(repoRoot, path.join(dirent.parentPath, dirent.name)));
    })
  );
  return found.flat().sort();
};

/** A digest of the pack's inputs: equal digests pack equal tarballs. */
const packInputDigest = async (): Promise<string> => {
  const hash = createHash('sha256');
  for (const file of await packInputFiles()) {
    // eslint-disable-next-line no-await-in-loop -- files are hashed in order, one in memory at a time
    hash.update(`${file}\0`).update(await readFile(path.join(repoRoot, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
};

/**
 * Runs `npm pack` into `destination`, or copies the tarball an earlier test file packed from the
 * same inputs. It holds a lock meanwhile: `prepack` rebuilds `lib/` in place (`rm -rf lib && tsc`),
 * so two test files packing at once would pack each other's half-written output.
 */
const packOrReuse = async (destination: string) =>
  withFileLock(path.join(cacheRoot, 'pack.lock'), 150_000, async () => {
    const packCache = path.join(cacheRoot, 'pack');
    const cached = path.join(packCache, await packInputDigest());
    const result = await readFile(path.join(cached, 'result.json'), 'utf8').then(readPackResult, () => undefined);
    if (result) {
      await copyFile(path.join(cached, result.filename), path.join(destination, result.filename));
      return result;
    }
    const { stdout } = await promisify(execFile)('npm', ['pack', '--json', '--pack-destination', destination], { cwd: repoRoot, timeout: 120_000 });
    const packed = readPackResult(stdout);
    await rm(packCache, { recursive: true, force: true });
    await mkdir(cached, { recursive: true });
    await copyFile(path.join(destination, packed.filename), path.join(cached, packed.filename));
    await writeFile(path.join(cached, 'result.json'), JSON.stringify([packed]));
    return packed;
  });

/** The files of `folder`, sorted, as the entries of a tarball of it under `package/`. */
export const entriesOf = async (folder: string): Promise<string[]> =>
  (await readdir(folder, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.posix.join('package', ...path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep)))
    .sort();

const packOnce = async (): Promise<PackedPackage> => {
  const directory = await mkdtemp(path.join(tmpdir(), 'connector-huggingface-pack-'));
  try {
    const { name, version, filename } = await packOrReuse(directory);
    const tarball = path.join(directory, filename);
    const unpacked = path.join(directory, 'unpacked');
    await mkdir(unpacked);
    await extract({ file: tarball, cwd: unpacked });
    const packageDirectory = path.join(unpacked, 'package');
    return { name, version, tarball, entries: await entriesOf(packageDirectory), packageDirectory, directory };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
};

let packing: Promise<PackedPackage> | undefined;
let users = 0;

/**
 * Runs `npm pack` (whose `prepack` script builds `lib/`) once per process and returns the
 * tarball with its file list; later calls in the same process share the first result. Pair each
 * call with {@link releasePackedPackage}.
 */
export const packPackage = async (): Promise<PackedPackage> => {
  users += 1;
  packing ??= packOnce();
  return packing;
};

/** Gives back a result of {@link packPackage}; the last user deletes the tarball, so the next call packs afresh. */
export const releasePackedPackage = async (): Promise<void> => {
  users = Math.max(0, users - 1);
  const current = packing;
  if (users > 0 || !current) {
    return;
  }
  packing = undefined;
  const { directory } = await current.catch(() => ({ directory: undefined }));
  if (directory) {
    await rm(directory, { recursive: true, force: true });
  }
};
