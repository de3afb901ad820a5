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
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { extract, list } from 'tar';

const execFileAsync = promisify(execFile);

/** Absolute path of this repository's root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** What one `npm pack` produced. */
export type PackedPackage = {
  /** Package name, as npm reported it. */
  name: string;
  /** Package version, as npm reported it. */
  version: string;
  /** Absolute path of the `.tgz` file. */
  tarball: string;
  /** Every path inside the tarball, e.g. `package/lib/index.js`. */
  entries: string[];
  /** Absolute path of the tarball's `package/` folder, unpacked. */
  packageDirectory: string;
  /** The temporary folder holding both. */
  directory: string;
};

const packTimeoutMs = 120_000;
const lockWaitMs = 150_000;
const packLockDirectory = path.join(repoRoot, '.cache', 'pack.lock');

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** A lock left by a process that died, or one whose owner never got to write its pid. */
const isStale = async (directory: string) => {
  const pid = Number(await readFile(path.join(directory, 'pid'), 'utf8').catch(() => ''));
  if (Number.isInteger(pid) && pid > 0) {
    return !isAlive(pid);
  }
  const created = await stat(directory).then(
    ({ mtimeMs }) => mtimeMs,
    () => Date.now()
  );
  return Date.now() - created > 10_000;
};

/**
 * Runs `work` while holding the lock `lockDirectory`, shared by every process on this machine; waits
 * at most `waitMs` for it. A lock whose owner died is taken over.
 */
export const withFileLock = async <T>(
  lockDirectory: string,
  waitMs: number,
  work: () => Promise<T>
): Promise<T> => {
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

/**
 * Runs `work` while holding the pack lock: `prepack` rebuilds `lib/` in place
 * (`rm -rf lib && tsc`), so two test files packing at once would pack each other's half-written
 * output.
 */
const withPackLock = async <T>(work: () => Promise<T>): Promise<T> =>
  withFileLock(packLockDirectory, lockWaitMs, work);

type NpmPackResult = { name: string; version: string; filename: string };

const readPackResult = (stdout: string): NpmPackResult => {
  const parsed: unknown = JSON.parse(stdout);
  const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined;
  if (
    typeof first === 'object' &&
    first !== null &&
    'name' in first &&
    'version' in first &&
    'filename' in first &&
    typeof first.name === 'string' &&
    typeof first.version === 'string' &&
    typeof first.filename === 'string'
  ) {
    return { name: first.name, version: first.version, filename: first.filename };
  }
  throw new Error(`Unexpected output of npm pack --json: ${stdout.slice(0, 500)}`);
};

const packCacheRoot = path.join(repoRoot, '.cache', 'pack');

/** Every file whose content can change the tarball, `lib/` excepted since `prepack` rebuilds it from `src/`. */
const packInputFiles = async (): Promise<string[]> => {
  const manifest = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
    files?: string[];
  };
  const roots = [
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'src',
    ...(manifest.files ?? []).filter((entry) => entry !== 'lib'),
  ];
  const files = await Promise.all(
    roots.map(async (entry) => {
      const absolute = path.join(repoRoot, entry);
      const info = await stat(absolute).catch(() => undefined);
      if (!info?.isDirectory()) {
        return info ? [entry] : [];
      }
      const names = await readdir(absolute, { recursive: true, withFileTypes: true });
      return names
        .filter((dirent) => dirent.isFile())
        .map((dirent) => path.relative(repoRoot, path.join(dirent.parentPath, dirent.name)));
    })
  );
  return files.flat().sort();
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
 * same inputs (every test file of a run packs, and each `npm pack` rebuilds `lib/`).
 */
const packOrReuse = async (destination: string): Promise<NpmPackResult> =>
  withPackLock(async () => {
    const cached = path.join(packCacheRoot, await packInputDigest());
    const result = await readFile(path.join(cached, 'result.json'), 'utf8').then(
      (text) => readPackResult(text),
      () => undefined
    );
    if (result) {
      await copyFile(path.join(cached, result.filename), path.join(destination, result.filename));
      return result;
    }
    const { stdout } = await execFileAsync('npm', ['pack', '--json', '--pack-destination', destination], {
      cwd: repoRoot,
      timeout: packTimeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    const packed = readPackResult(stdout);
    await rm(packCacheRoot, { recursive: true, force: true });
    await mkdir(cached, { recursive: true });
    await copyFile(path.join(destination, packed.filename), path.join(cached, packed.filename));
    await writeFile(path.join(cached, 'result.json'), JSON.stringify([packed]));
    return packed;
  });

const packInto = async (destination: string): Promise<PackedPackage> => {
  const { name, version, filename } = await packOrReuse(destination);
  const tarball = path.join(destination, filename);

  const entries: string[] = [];
  await list({
    file: tarball,
    onReadEntry: (entry) => {
      entries.push(entry.path);
    },
  });

  const unpacked = path.join(destination, 'unpacked');
  await mkdir(unpacked);
  await extract({ file: tarball, cwd: unpacked });

  return {
    name,
    version,
    tarball,
    entries,
    packageDirectory: path.join(unpacked, 'package'),
    directory: destination,
  };
};

const packOnce = async (): Promise<PackedPackage> => {
  const destination = await mkdtemp(path.join(tmpdir(), 'connector-huggingface-pack-'));
  try {
    return await packInto(destination);
  } catch (error) {
    await rm(destination, { recursive: true, force: true });
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

/**
 * Gives back a result of {@link packPackage}; the last user deletes the tarball, so the next
 * call packs afresh.
 */
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
