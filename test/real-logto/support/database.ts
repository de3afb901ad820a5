/**
 * One fresh Logto database per run, seeded by Logto's own CLI and dropped afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A seeded database. */
export type LogtoDatabase = {
  /** The database name, e.g. `logto_rl_1a2b3c4d`. */
  name: string;
  /** Core's `DB_URL` for it. */
  url: string;
  /** Runs one SQL statement there with `psql` and returns its unaligned, tuples-only output. */
  query(sql: string): Promise<string>;
  /** Drops the database and the three roles Logto's seed made for it. */
  drop(): Promise<void>;
};

/** Options of {@link createDatabase}. */
export type DatabaseOptions = {
  /** The built Logto whose CLI seeds the database. */
  logtoDir: string;
  /** Name prefix; default `logto_rl_`. A random suffix follows. */
  prefix?: string;
  /** Arguments of `logto db seed`; default `['--dapc']`. */
  seedArgs?: string[];
};

/** The server of the database build.sh seeded (`$LOGTO_DIR/.logto-db-url`), else PostgreSQL on 127.0.0.1. */
function serverUrl(logtoDir: string): URL {
  let recorded = 'postgres://logto:logto@127.0.0.1:5432/logto';
  try {
    recorded = readFileSync(path.join(logtoDir, '.logto-db-url'), 'utf8').trim() || recorded;
  } catch {
    // build.sh's default server
  }
  return new URL(recorded);
}

const psql = async (url: string, sql: string) => {
  const { stdout } = await execFileAsync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], {
    timeout: 60_000,
  });
  return stdout.trim();
};

/**
 * Creates and seeds a database of its own with `node packages/cli/bin/logto.js db seed --dapc`
 * (the seed creates the database and its roles). Never touches the database build.sh seeded.
 */
export async function createDatabase(options: DatabaseOptions): Promise<LogtoDatabase> {
  const prefix = options.prefix ?? 'logto_rl_';
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new TypeError(`Bad database prefix "${prefix}"`);
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  const server = serverUrl(options.logtoDir);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const admin = new URL(server);
  admin.pathname = '/postgres';

  const drop = async () => {
    await psql(admin.href, `drop database if exists ${name} with (force)`);
    for (const role of [`logto_tenant_${name}_admin`, `logto_tenant_${name}_default`, `logto_tenant_${name}`]) {
      // eslint-disable-next-line no-await-in-loop
      await psql(admin.href, `drop role if exists ${role}`);
    }
  };

  try {
    await execFileAsync(
      process.execPath,
      [path.join(options.logtoDir, 'packages', 'cli', 'bin', 'logto.js'), 'db', 'seed', ...(options.seedArgs ?? ['--dapc'])],
      { cwd: options.logtoDir, env: { ...process.env, NODE_OPTIONS: '', DB_URL: url.href }, timeout: 180_000 },
    );
  } catch (error) {
    await drop().catch(() => {});
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`logto db seed failed for ${name}: ${stderr.slice(-1500)}`, { cause: error });
  }
  return { name, url: url.href, query: (sql) => psql(url.href, sql), drop };
}
