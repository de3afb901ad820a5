// Runs inside a Logto instance, as Logto core does: started (forked, with an IPC channel) from
// the instance's `packages/core`, it loads `packages/core/connectors` with the instance's own
// `@logto/cli` loader, then calls the loaded connector when the test asks. Every connector
// import therefore resolves from core's node_modules, jose included. Plain JavaScript, so that
// the instance's Node runs it without a loader.
//
// Messages in:  { id, op, ...arguments }; out: { id, result } or { id, failure }.
// The connector session travels as JSON text, as Logto stores it between requests.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const core = process.cwd();
const coreRequire = createRequire(path.join(core, 'package.json'));
const importFromCore = async (specifier) => import(pathToFileURL(coreRequire.resolve(specifier)).href);

const cliPackage = path.dirname(coreRequire.resolve('@logto/cli/package.json'));
const kit = await importFromCore('@logto/connector-kit');
const { getConnectorPackagesFromDirectory } = await import(
  pathToFileURL(path.join(cliPackage, 'lib', 'utils.js')).href
);
const { loadConnectorFactories } = await import(
  pathToFileURL(path.join(cliPackage, 'lib', 'connector', 'index.js')).href
);

/** @type {Map<string, { createConnector: Function, path: string }>} */
const factories = new Map();

/**
 * The folder and version of the package `name` as Node's resolution finds it from `fromFile`
 * (not every package exports its package.json).
 */
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
const coreFile = path.join(core, 'package.json');

const describeError = (error) => ({
  isConnectorError: error instanceof kit.ConnectorError,
  name: error?.name,
  code: error?.code,
  message: error?.message,
  data: error?.data,
});

const connectorOf = async ({ factoryId, config }) => {
  const factory = factories.get(factoryId);
  if (!factory) {
    throw new Error(`No loaded factory ${factoryId}`);
  }
  return factory.createConnector({ getConfig: async () => config });
};

const sessionStore = (json) => {
  let stored = json;
  return {
    getSession: async () => (stored === undefined ? {} : JSON.parse(stored)),
    setSession: async (value) => {
      stored = JSON.stringify(value);
    },
    json: () => stored,
  };
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
      connectorKit: packageSeenFrom(coreFile, '@logto/connector-kit'),
      loaderConnectorKit: packageSeenFrom(path.join(cliPackage, 'lib', 'connector', 'loader.js'), '@logto/connector-kit'),
      packages,
      factories: loaded.map(({ metadata, path: folder }) => ({
        id: metadata.id,
        path: folder,
        readme: metadata.readme,
        jose: packageSeenFrom(path.join(folder, 'lib', 'index.js'), 'jose'),
        connectorKit: packageSeenFrom(path.join(folder, 'lib', 'index.js'), '@logto/connector-kit'),
      })),
    };
  },

  /** `getAuthorizationUri`, with the session Logto would store. */
  async authorize({ factoryId, config, request }) {
    const connector = await connectorOf({ factoryId, config });
    const session = sessionStore();
    const url = await connector.getAuthorizationUri(request, session.setSession);
    return { url, sessionJson: session.json() };
  },

  /** `getUserInfo` with what Logto's page posted and the stored session. */
  async getUserInfo({ factoryId, config, data, sessionJson }) {
    const connector = await connectorOf({ factoryId, config });
    return { userInfo: await connector.getUserInfo(data, sessionStore(sessionJson).getSession) };
  },

  /** The token-storage variant of the callback, as Logto calls it with token storage on. */
  async getTokenResponseAndUserInfo({ factoryId, config, data, sessionJson }) {
    const connector = await connectorOf({ factoryId, config });
    return connector.getTokenResponseAndUserInfo(data, sessionStore(sessionJson).getSession);
  },

  /** What Logto calls once a stored access token has expired. */
  async getAccessTokenByRefreshToken({ factoryId, config, refreshToken }) {
    const connector = await connectorOf({ factoryId, config });
    return connector.getAccessTokenByRefreshToken(refreshToken);
  },
};

process.on('message', async ({ id, op, ...input }) => {
  try {
    const operation = operations[op];
    if (!operation) {
      throw new Error(`Unknown operation ${op}`);
    }
    process.send({ id, result: await operation(input) });
  } catch (error) {
    process.send({ id, failure: describeError(error) });
  }
});

process.send({ ready: true });
