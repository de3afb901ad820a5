// Runs as Logto core does, forked in an instance's `packages/core`: loads `packages/core/connectors`
// with the instance's own `@logto/cli` loader (so every connector import resolves from core's
// node_modules), then calls the loaded connector when the test asks. Plain JavaScript, so that the
// instance's Node runs it without a loader.
//
// Messages in: { id, op, ...arguments }; out: { id, result } or { id, failure }, and { id: 0 } once ready.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { createLogtoSessionStore } from '../../stand-in/logto/session.mjs';

const coreFile = path.join(process.cwd(), 'package.json');
const coreRequire = createRequire(coreFile);
const cliPackage = path.dirname(coreRequire.resolve('@logto/cli/package.json'));
const importFromCli = async (file) => import(pathToFileURL(path.join(cliPackage, 'lib', file)).href);

const kit = await import(pathToFileURL(coreRequire.resolve('@logto/connector-kit')).href);
const { getConnectorPackagesFromDirectory } = await importFromCli('utils.js');
const { loadConnectorFactories } = await importFromCli(path.join('connector', 'index.js'));

/** The factories `load` found, by id. */
const factories = new Map();

/** The folder and version of `name` as Node's resolution finds it from `fromFile` (not every package exports its package.json). */
const packageSeenFrom = (fromFile, name) => {
  const folder = createRequire(fromFile)
    .resolve.paths(name)
    .map((nodeModules) => path.join(nodeModules, name))
    .find((candidate) => existsSync(path.join(candidate, 'package.json')));
  if (!folder) {
    throw new Error(`${name} is not reachable from ${fromFile}`);
  }
  return { folder, version: JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')).version };
};

const operations = {
  /** Loads the connectors folder as core does at start, and says what it resolved. */
  async load({ connectors }) {
    const packages = await getConnectorPackagesFromDirectory(connectors);
    const loaded = await loadConnectorFactories(packages, false);
    for (const factory of loaded) {
      factories.set(factory.metadata.id, factory);
    }
    return {
      node: process.versions.node,
      cli: packageSeenFrom(coreFile, '@logto/cli'),
      loaderConnectorKit: packageSeenFrom(path.join(cliPackage, 'lib', 'connector', 'loader.js'), '@logto/connector-kit'),
      packages,
      factories: loaded.map(({ metadata, type, path: folder }) => ({
        metadata,
        type,
        path: folder,
        jose: packageSeenFrom(path.join(folder, 'lib', 'index.js'), 'jose'),
        connectorKit: packageSeenFrom(path.join(folder, 'lib', 'index.js'), '@logto/connector-kit'),
      })),
    };
  },

  /**
   * Calls `method` of a connector the loaded factory creates, as Logto does: with the session it
   * keeps as JSON text between requests (`setSession` for `getAuthorizationUri`, `getSession` after).
   */
  async connector({ factoryId, config, method, argument, sessionJson }) {
    const factory = factories.get(factoryId);
    if (!factory) {
      throw new Error(`No loaded factory ${factoryId}`);
    }
    const connector = await factory.createConnector({ getConfig: async () => config });
    const session = createLogtoSessionStore(sessionJson);
    const result = await connector[method](argument, method === 'getAuthorizationUri' ? session.setSession : session.getSession);
    return { result, sessionJson: session.json() };
  },
};

process.on('message', async ({ id, op, ...input }) => {
  try {
    process.send({ id, result: await operations[op](input) });
  } catch (error) {
    const { name, code, message, data } = error ?? {};
    process.send({ id, failure: { isConnectorError: error instanceof kit.ConnectorError, name, code, message, data } });
  }
});

process.send({ id: 0 });
