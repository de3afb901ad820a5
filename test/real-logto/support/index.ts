/**
 * The real-Logto harness: a built Logto (`LOGTO_DIR`), a fresh database, core on loopback
 * reaching the Hugging Face stand-in as `https://huggingface.co`, the Management API, Logto's
 * CLI to install connectors, and an Experience API driver. Run suites that use it with `npm run
 * test:logto` (test/real-logto/run.mjs), which provides `LOGTO_DIR` and the stand-in's TLS
 * certificates.
 *
 * @example
 * ```ts
 * const logto = await startRealLogto({ hub: { clients: [{ clientId: 'app', clientSecret: 's' }] } });
 * await logto.installConnector(tarball);          // logto connector add, then core restarts
 * const created = await logto.management.request('POST', '/api/connectors', { connectorId, config });
 * const user = await new ExperienceClient(logto.core.endpoint).signInWithSocial(id, { username: 'ada' });
 * await logto.stop();                             // core stopped, stand-in closed, database dropped
 * ```
 *
 * Pieces, usable alone: {@link logtoDir} (paths.ts), {@link createDatabase}
 * (database.ts), {@link startHub} (hub.ts), {@link LogtoCore} (core.ts), {@link ManagementApi}
 * (management.ts), {@link installConnector} (install.ts), {@link ExperienceClient} (experience.ts),
 * {@link requestJson} (http.ts).
 */
import path from 'node:path';

import { LogtoCore } from './core.js';
import { createDatabase, type LogtoDatabase } from './database.js';
import { startHub, type Hub, type HubOptions } from './hub.js';
import { installConnector } from './install.js';
import { ManagementApi } from './management.js';
import { logtoDir } from './paths.js';
import { createUndoStack } from './undo.js';

export { LogtoCore, type CoreOptions } from './core.js';
export { createDatabase, type DatabaseOptions, type LogtoDatabase } from './database.js';
export { ExperienceClient, type AppTokens, type ExperienceClientOptions, type SocialStart } from './experience.js';
export { expectStatus, requestJson, type JsonRequest, type JsonResponse } from './http.js';
export { hubUrl, startHub, type Hub, type HubOptions } from './hub.js';
export { installConnector } from './install.js';
export { ManagementApi } from './management.js';
export { logtoDir, repoRoot, sharedLogtoDir, startScript } from './paths.js';
export { expireStoredTokenSet, tokenOwner } from './token-storage.js';
export { createUndoStack, type UndoStack } from './undo.js';

/** Options of {@link startRealLogto}. */
export type RealLogtoOptions = {
  /** The stand-in's apps, users and token lifetime. */
  hub: HubOptions;
  /** Database name prefix; default `logto_rl_`. */
  databasePrefix?: string;
  /** Core's ports; default `REAL_LOGTO_PORT`/`REAL_LOGTO_ADMIN_PORT`, else 3301/3302. */
  port?: number;
  adminPort?: number;
};

/** A running Logto with everything the suite needs. */
export type RealLogto = {
  logtoDir: string;
  db: LogtoDatabase;
  hub: Hub;
  core: LogtoCore;
  management: ManagementApi;
  /**
   * `logto connector add <tarball> --path $LOGTO_DIR`, then a core restart; returns the
   * connector's folder. Throws core's `[load-connector]` line when core skipped the connector.
   */
  installConnector(tarball: string): Promise<string>;
  /** Stops core, closes the stand-in and drops the database; safe to call twice. */
  stop(): Promise<void>;
};

/**
 * Creates and seeds a database, starts the stand-in and core (with `SECRET_VAULT_KEK` from
 * start.sh, so token storage works) and connects the Management API. Whatever was started is
 * undone when a later step fails.
 */
export async function startRealLogto(options: RealLogtoOptions): Promise<RealLogto> {
  const dir = logtoDir();
  const undo = createUndoStack();
  const stop = async () => undo.undo();
  try {
    const db = await createDatabase({ logtoDir: dir, prefix: options.databasePrefix });
    undo.push(() => db.drop());
    const hub = await startHub(options.hub);
    undo.push(() => hub.close());
    const core = new LogtoCore({ logtoDir: dir, dbUrl: db.url, port: options.port, adminPort: options.adminPort, env: hub.coreEnv });
    undo.push(() => core.stop());
    await core.start();
    const management = await ManagementApi.connect(core, db);
    return {
      logtoDir: dir,
      db,
      hub,
      core,
      management,
      async installConnector(tarball) {
        const folder = await installConnector(dir, tarball);
        await core.restart();
        // Core skips a connector it cannot load and starts anyway; say why here rather than as a missing factory later.
        const name = path.basename(folder);
        const skipped = (await core.logTail(400)).split('\n').find((line) => line.includes('[load-connector]') && line.includes(` ${name} `));
        if (skipped) throw new Error(`Logto did not load ${name}: ${skipped.trim()}`);
        return folder;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
