/**
 * A Logto core of the built `LOGTO_DIR`, started and stopped with `../shared/logto/start.sh`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { startScript } from './paths.js';

const execFileAsync = promisify(execFile);

/** Options of {@link LogtoCore}. */
export type CoreOptions = {
  /** The built Logto. */
  logtoDir: string;
  /** Core's `DB_URL`, e.g. from `createDatabase`. */
  dbUrl: string;
  /** The user tenant's port; default `REAL_LOGTO_PORT` or 3301. */
  port?: number;
  /** The admin tenant's port; default `REAL_LOGTO_ADMIN_PORT` or 3302. */
  adminPort?: number;
  /** More variables for core, e.g. a hub's `coreEnv`; they win over this process's. */
  env?: Record<string, string>;
};

/** One core process (user and admin tenants) on loopback. */
export class LogtoCore {
  /** `http://127.0.0.1:<port>`: Experience, Account and Management APIs, sign-in pages, OIDC. */
  readonly endpoint: string;
  /** `http://127.0.0.1:<adminPort>`: where the Management API's token comes from. */
  readonly adminEndpoint: string;
  /** The user tenant's port. */
  readonly port: number;
  /** The admin tenant's port. */
  readonly adminPort: number;
  readonly #options: CoreOptions;

  constructor(options: CoreOptions) {
    this.#options = options;
    this.port = options.port ?? Number(process.env.REAL_LOGTO_PORT ?? 3301);
    this.adminPort = options.adminPort ?? Number(process.env.REAL_LOGTO_ADMIN_PORT ?? 3302);
    this.endpoint = `http://127.0.0.1:${this.port}`;
    this.adminEndpoint = `http://127.0.0.1:${this.adminPort}`;
  }

  /** Core's log of its latest start (`$LOGTO_DIR/.state/core-<port>.log`). */
  get logFile(): string {
    return path.join(this.#options.logtoDir, '.state', `core-${this.port}.log`);
  }

  /** The last `lines` lines of {@link LogtoCore.logFile}, for failure messages. */
  async logTail(lines = 40): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  }

  /**
   * Starts core and resolves once `GET /api/status` answers 204 (start.sh waits for it). A core
   * a crashed run left on this port from this LOGTO_DIR is stopped first: start.sh would
   * otherwise keep it, with its database.
   */
  async start(): Promise<void> {
    await this.#run('stop');
    await this.#run('start');
  }

  /** Stops the core this LOGTO_DIR's start.sh started on {@link LogtoCore.port}; nothing else. */
  async stop(): Promise<void> {
    await this.#run('stop');
  }

  /** Stops and starts core, e.g. after a connector was added (core loads connectors at start). */
  async restart(): Promise<void> {
    await this.start();
  }

  async #run(command: 'start' | 'stop'): Promise<void> {
    const { logtoDir, dbUrl, env } = this.#options;
    try {
      await execFileAsync('bash', [startScript, command], {
        env: {
          ...process.env,
          LOGTO_DIR: logtoDir,
          DB_URL: dbUrl,
          PORT: String(this.port),
          ADMIN_PORT: String(this.adminPort),
          ...env,
        },
        timeout: 150_000,
      });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(
        `start.sh ${command} failed on port ${this.port}: ${`${stdout}\n${stderr}`.trim().slice(-1500)}\n--- core log ---\n${await this.logTail()}`,
        { cause: error },
      );
    }
  }
}
