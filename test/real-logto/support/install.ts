/**
 * Installs a connector the way an operator does: Logto's own CLI, `logto connector add <tarball>
 * --path <instance>`, from the built `LOGTO_DIR` (the core must be restarted afterwards).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Runs `node $LOGTO_DIR/packages/cli/bin/logto.js connector add <tarball> --path $LOGTO_DIR`.
 *
 * @param logtoDir - The built Logto.
 * @param tarball - Absolute path of a `.tgz` (the CLI packs it again from the connectors folder).
 * @returns The connector's folder, `packages/core/connectors/<package name with / as ->`.
 * @throws Error with the CLI's output when the folder does not hold the package afterwards (the
 *   CLI logs a failed package and still exits 0).
 */
export async function installConnector(logtoDir: string, tarball: string): Promise<string> {
  if (!path.isAbsolute(tarball)) throw new TypeError(`Give the tarball's absolute path, not "${tarball}"`);
  const { stdout, stderr } = await execFileAsync(
    process.execPath,
    [path.join(logtoDir, 'packages', 'cli', 'bin', 'logto.js'), 'connector', 'add', tarball, '--path', logtoDir],
    { cwd: logtoDir, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 180_000 },
  );
  const manifest = JSON.parse(
    await execFileAsync('tar', ['-xzOf', tarball, 'package/package.json']).then(({ stdout: json }) => json),
  ) as { name: string };
  const folder = path.join(logtoDir, 'packages', 'core', 'connectors', manifest.name.replaceAll('/', '-'));
  const installed = existsSync(path.join(folder, 'package.json'))
    ? (JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8')) as { name?: string })
    : undefined;
  if (installed?.name !== manifest.name) {
    throw new Error(`logto connector add did not install ${manifest.name} into ${folder}:\n${stdout}\n${stderr}`);
  }
  return folder;
}
