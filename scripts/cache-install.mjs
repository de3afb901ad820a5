// Tools that only the tests and scripts need, and that want Node 22 (Node 22 itself, Stryker,
// Logto's CLI and packages), are not devDependencies: npm would warn about each of them on Node
// 20. They are installed from the npm registry on first use into a folder under .cache/, once.
// Each install says before it starts what it fetches, roughly how big it is, where it goes and
// that later runs reuse it, prints a line every half minute while npm works, and ends with the
// size and time it took. npm runs with --loglevel=error: the engine warnings it would print are
// the ones this layout avoids in `npm ci`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository's root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `.cache/` in this repository, where every on-demand install goes. */
export const cacheRoot = path.join(repoRoot, '.cache');

const heartbeatMs = 30_000;
const keptOutputChars = 4000;

/**
 * A path as people read it in the output: relative to the repository when inside it.
 *
 * @param {string} folder
 * @returns {string}
 */
export const shownPath = (folder) => {
  const relative = path.relative(repoRoot, folder);
  return relative.startsWith('..') ? folder : relative;
};

/**
 * A duration as people read it: `42 s`, `3 min 5 s`.
 *
 * @param {number} ms
 * @returns {string}
 */
export const formatDuration = (ms) => {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
};

/**
 * The disk space a folder takes, in whole megabytes, as `du` counts it: allocated blocks, each
 * hard-linked file once, symbolic links not followed.
 *
 * @param {string} folder
 * @returns {Promise<number>}
 */
export const folderMegabytes = async (folder) => {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const stats = await Promise.all(
    entries.filter((entry) => entry.isFile()).map((entry) => lstat(path.join(entry.parentPath, entry.name)))
  );
  const blocks = new Map(stats.map(({ dev, ino, blocks: count }) => [`${dev}:${ino}`, count]));
  return Math.round(([...blocks.values()].reduce((total, count) => total + count, 0) * 512) / 1e6);
};

/**
 * Runs npm in `cwd` with its output kept, not shown; prints a line every half minute meanwhile.
 *
 * @param {string[]} args
 * @param {string} cwd
 * @param {string} title
 * @param {(line: string) => void} log
 * @param {number | undefined} timeoutMs
 * @returns {Promise<void>}
 */
const runNpm = (args, cwd, title, log, timeoutMs) =>
  new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const child = spawn('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-keptOutputChars);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const heartbeat = setInterval(() => {
      log(`${title}: still installing (${formatDuration(Date.now() - startedAt)} so far)`);
    }, heartbeatMs);
    child.once('error', (error) => {
      clearInterval(heartbeat);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearInterval(heartbeat);
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`npm ${args.join(' ')} failed (${code ?? signal}) while installing ${title}:\n${output}`));
      }
    });
  });

/**
 * Whether the process `pid` still runs (on this machine). A process of another user counts as
 * running: it cannot be signalled, but it is there.
 *
 * @param {number} pid
 * @returns {boolean}
 */
export const isProcessAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

/**
 * Removes the folders beside `target` that an install of it began in a process that has since
 * died (stopped with Ctrl-C or killed, so its own clean-up never ran). Each such folder is named
 * `.building-<target's name>-<pid>-<random>`.
 *
 * @param {string} target
 * @returns {Promise<void>}
 */
const removeAbandonedBuilds = async (target) => {
  const prefix = `.building-${path.basename(target)}-`;
  // mkdtemp's suffix is six letters or digits: a folder of another target whose name begins like
  // this one's does not match.
  const builderPid = (name) => (name.startsWith(prefix) ? /^(\d+)-[A-Za-z0-9]{6}$/.exec(name.slice(prefix.length))?.[1] : undefined);
  const abandoned = (await readdir(path.dirname(target))).filter((name) => {
    const pid = builderPid(name);
    return pid !== undefined && !isProcessAlive(Number(pid));
  });
  await Promise.all(abandoned.map((name) => rm(path.join(path.dirname(target), name), { recursive: true, force: true })));
};

/**
 * Installs something into `target` unless it is already there. The install happens in a new
 * folder beside `target` that is renamed into place only once complete, so an interrupted run
 * leaves nothing half-built in place (the next install removes its folder), and of two processes
 * installing at once the second to finish keeps the first one's copy.
 *
 * @param {object} options
 * @param {string} options.target - The folder; when it exists, nothing happens.
 * @param {string} options.title - What is installed, e.g. `Node 22`.
 * @param {number} options.megabytes - Roughly how many megabytes it takes on disk, for the announcement.
 * @param {(folder: string) => Promise<string>} options.prepare - Writes what npm needs into the new
 *   folder and returns the folder to run npm in.
 * @param {string[]} options.npmArgs - npm's arguments, run in the folder `prepare` returned.
 * @param {(folder: string) => Promise<void> | void} [options.finish] - Checks or completes the new folder
 *   before it is put in place; throws when the install is unusable.
 * @param {(line: string) => void} [options.log] - Where the progress lines go; `console.log` by default.
 * @param {number} [options.timeoutMs] - How long npm may take before it is stopped; no limit by default.
 * @returns {Promise<string>} `target`.
 */
export const installIntoCache = async ({ target, title, megabytes, prepare, npmArgs, finish, log = console.log, timeoutMs }) => {
  if (existsSync(target)) {
    return target;
  }
  log(`${title}: downloading from the npm registry into ${shownPath(target)}, about ${megabytes} MB on disk (once: later runs reuse it).`);
  const startedAt = Date.now();
  await mkdir(path.dirname(target), { recursive: true });
  await removeAbandonedBuilds(target);
  const building = await mkdtemp(path.join(path.dirname(target), `.building-${path.basename(target)}-${process.pid}-`));
  try {
    const cwd = await prepare(building);
    await runNpm(npmArgs, cwd, title, log, timeoutMs);
    await finish?.(building);
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
  log(`${title}: installed, ${await folderMegabytes(target)} MB in ${formatDuration(Date.now() - startedAt)}.`);
  return target;
};

/**
 * Writes a `package.json` into `folder`, so that npm run there installs into it and never into
 * this repository (npm looks for the nearest `package.json` upwards).
 *
 * @param {string} folder
 * @param {Record<string, unknown>} [fields]
 * @returns {Promise<void>}
 */
export const writePackageJson = async (folder, fields = {}) => {
  await mkdir(folder, { recursive: true });
  await writeFile(
    path.join(folder, 'package.json'),
    `${JSON.stringify({ private: true, ...fields }, undefined, 2)}\n`
  );
};

/** npm's options for every install into .cache/: quiet, no audit, no funding notes. */
export const quietNpmOptions = Object.freeze(['--no-audit', '--no-fund', '--loglevel=error']);
