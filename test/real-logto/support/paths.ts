/**
 * Where the real-Logto suite finds things: this repository, Logto's shared build scripts beside
 * it, and the built Logto (`LOGTO_DIR`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of this repository's root. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** `../shared/logto` beside the checkout: Logto's source tarball, `build.sh` and `start.sh`. */
export const sharedLogtoDir = path.resolve(repoRoot, '..', 'shared', 'logto');

/** `start.sh` of {@link sharedLogtoDir}: starts and stops a built core. */
export const startScript = path.join(sharedLogtoDir, 'start.sh');

/**
 * The built Logto the suite runs: `LOGTO_DIR` (set by `npm run test:logto`, which builds one when
 * needed).
 *
 * @throws Error when `LOGTO_DIR` is unset or holds no built core.
 */
export function logtoDir(): string {
  const dir = process.env.LOGTO_DIR;
  if (!dir) {
    throw new Error('LOGTO_DIR is not set: run the real-Logto suite with `npm run test:logto`.');
  }
  if (!existsSync(path.join(dir, 'packages', 'core', 'build'))) {
    throw new Error(`LOGTO_DIR=${dir} holds no built Logto core (packages/core/build).`);
  }
  return path.resolve(dir);
}
