#!/usr/bin/env node
/**
 * `npm run test:logto`: the suites that run this connector inside a real Logto, once per build:
 * `snapshot` (Logto's source in `../shared/logto`) and `unified-callback`
 * (`../shared/logto/unified-callback`, what Logto 1.43 ships: one callback URL for the sign-in
 * page and the Account Center, routed by the `state` prefix).
 *
 * Given `LOGTO_DIR` (snapshot) and/or `LOGTO_UNIFIED_DIR` (unified-callback), it runs on those
 * only; else it builds both with `WITH_UI=1 build.sh` into `$HOME/.cache/logto-<commit>` (outside
 * the project, so an installed connector cannot resolve the project's node_modules); with
 * neither, it says so and exits 0. Each build runs vitest (test/real-logto/vitest.config.ts; the
 * arguments are passed on) in a process that trusts a throwaway CA with a `huggingface.co`
 * certificate for the stand-in (`NODE_EXTRA_CA_CERTS`, `REAL_LOGTO_TLS_DIR`) and resolves
 * `huggingface.co` to it (stand-in/resolve-hub.mjs); `REAL_LOGTO_BUILD` names the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { createCertificates, hubResolverPreload } from '../../stand-in/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(root, '..', 'shared', 'logto');
const buildScript = path.join(shared, 'build.sh');

/** The Logto builds the suite runs on; `smokePort` keeps build.sh's smoke tests apart. */
const builds = [
  { name: 'snapshot', dirVariable: 'LOGTO_DIR', sources: shared, smokePort: 3311 },
  {
    name: 'unified-callback',
    dirVariable: 'LOGTO_UNIFIED_DIR',
    sources: path.join(shared, 'unified-callback'),
    smokePort: 3321,
    // build.sh seeds one database per DB_URL: this build gets its own.
    dbUrl: 'postgres://logto:logto@127.0.0.1:5432/logto_unified',
  },
];

const isInside = (child, parent) => {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/** Logto's source tarball of a build, or undefined when it is not beside the checkout. */
const tarballOf = (build) =>
  existsSync(build.sources) ? readdirSync(build.sources).find((name) => /^logto-.+\.tar\.gz$/.test(name)) : undefined;

/** Builds (or re-checks, which takes seconds) a build into its folder; exits on failure. */
const buildLogto = (build, tarball) => {
  const dir = path.join(homedir(), '.cache', tarball.replace(/\.tar\.gz$/, ''));
  console.log(`Building Logto (${build.name}) into ${dir} (WITH_UI=1 ${path.relative(root, buildScript)})`);
  const result = spawnSync('bash', [buildScript], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      LOGTO_TARBALL: path.join(build.sources, tarball),
      LOGTO_DIR: dir,
      WITH_UI: '1',
      SMOKE_PORT: String(build.smokePort),
      ...(build.dbUrl && { DB_URL: build.dbUrl }),
    },
  });
  if (result.status !== 0) {
    console.error(`build.sh failed for ${build.name} (${result.status ?? result.signal}).`);
    process.exit(result.status || 1);
  }
  return dir;
};

const given = builds.filter((build) => process.env[build.dirVariable]);
/** @type {Array<{ name: string, dir: string }>} */
let targets;
if (given.length > 0) {
  targets = given.map((build) => ({ name: build.name, dir: process.env[build.dirVariable] }));
} else if (!existsSync(buildScript) || !builds.every(tarballOf)) {
  console.log('Real-Logto suite skipped: no LOGTO_DIR, and no ../shared/logto (build.sh and both source tarballs) beside the checkout to build one.');
  process.exit(0);
} else {
  targets = builds.map((build) => ({ name: build.name, dir: buildLogto(build, tarballOf(build)) }));
}
for (const target of targets) {
  target.dir = path.resolve(target.dir);
  if (isInside(target.dir, root)) {
    console.error(`${target.dir} (${target.name}) lies inside the project: a connector there would find the project's node_modules. Use a folder outside it.`);
    process.exit(1);
  }
}

const tlsDir = mkdtempSync(path.join(tmpdir(), 'real-logto-tls-'));
let status = 0;
try {
  const { caFile } = createCertificates(tlsDir, 'huggingface.co');
  const preload = `--import=${pathToFileURL(hubResolverPreload).href}`;
  for (const target of targets) {
    console.log(`\n== Real-Logto suite on the ${target.name} build (${target.dir})`);
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/real-logto/vitest.config.ts', ...process.argv.slice(2)],
      {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          LOGTO_DIR: target.dir,
          REAL_LOGTO_BUILD: target.name,
          REAL_LOGTO_TLS_DIR: tlsDir,
          NODE_EXTRA_CA_CERTS: caFile,
          NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
        },
      },
    );
    if (result.status !== 0) status = result.status ?? 1;
  }
} finally {
  rmSync(tlsDir, { recursive: true, force: true });
}
process.exit(status);
