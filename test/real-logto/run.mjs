#!/usr/bin/env node
/**
 * `npm run test:logto`: the suites that run this connector inside a real Logto.
 *
 * 1. The Logto: `LOGTO_DIR` when set; else, when `../shared/logto/build.sh` is beside the
 *    checkout, `WITH_UI=1 build.sh` into `$HOME/.cache/logto-<commit>` (outside the project, so
 *    an installed connector cannot resolve the project's own node_modules); else one line saying
 *    why, and exit 0.
 * 2. A throwaway CA and a `huggingface.co` certificate for the stand-in (bench/certs.ts), in a
 *    temporary folder removed at the end.
 * 3. vitest with test/real-logto/vitest.config.ts, in a process that trusts the CA
 *    (NODE_EXTRA_CA_CERTS) and resolves `huggingface.co` to the stand-in (bench/preload.mjs).
 *    Arguments are passed to vitest (e.g. a file filter).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { createCertificates } from '../../bench/certs.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(root, '..', 'shared', 'logto');
const buildScript = path.join(shared, 'build.sh');

const isInside = (child, parent) => {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

let logtoDir = process.env.LOGTO_DIR;
if (!logtoDir) {
  const tarball = existsSync(shared) ? readdirSync(shared).find((name) => /^logto-.+\.tar\.gz$/.test(name)) : undefined;
  if (!existsSync(buildScript) || !tarball) {
    console.log('Real-Logto suite skipped: no LOGTO_DIR, and no ../shared/logto/build.sh beside the checkout to build one.');
    process.exit(0);
  }
  logtoDir = path.join(homedir(), '.cache', tarball.replace(/\.tar\.gz$/, ''));
  console.log(`Building Logto into ${logtoDir} (WITH_UI=1 ${path.relative(root, buildScript)})`);
  const build = spawnSync('bash', [buildScript], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, LOGTO_DIR: logtoDir, WITH_UI: '1', SMOKE_PORT: process.env.REAL_LOGTO_SMOKE_PORT ?? '3311' },
  });
  if (build.status !== 0) {
    console.error(`build.sh failed (${build.status ?? build.signal}).`);
    process.exit(build.status || 1);
  }
}
logtoDir = path.resolve(logtoDir);
if (isInside(logtoDir, root)) {
  console.error(`LOGTO_DIR=${logtoDir} lies inside the project: a connector there would find the project's node_modules. Use a folder outside it.`);
  process.exit(1);
}

const tlsDir = mkdtempSync(path.join(tmpdir(), 'real-logto-tls-'));
let status = 1;
try {
  const { caFile } = createCertificates(tlsDir, 'huggingface.co');
  const preload = `--import=${pathToFileURL(path.join(root, 'bench', 'preload.mjs')).href}`;
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/real-logto/vitest.config.ts', ...process.argv.slice(2)],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        LOGTO_DIR: logtoDir,
        REAL_LOGTO_TLS_DIR: tlsDir,
        NODE_EXTRA_CA_CERTS: caFile,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
      },
    },
  );
  status = result.status ?? 1;
} finally {
  rmSync(tlsDir, { recursive: true, force: true });
}
process.exit(status);
