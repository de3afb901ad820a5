/**
 * Installs the packed connector into a Logto instance with Logto's own CLI, then loads the
 * instance's connectors with the CLI's loader, as Logto core does at start-up.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureLogtoCli, ensureOfficialConnector } from '../../scripts/logto-tools.mjs';
import { packPackage, type PackedPackage, releasePackedPackage } from './pack.js';
import { newestRelease } from './releases.js';
import { createLogtoInstance, type LogtoInstance } from './skeleton.js';

const execFileAsync = promisify(execFile);

const ourId = 'huggingface-oidc-universal';
const officialId = 'huggingface-universal';
const installedName = 'connector-huggingface';
const redirectUri = 'https://logto.example.com/callback/hf-connector-1';

/** What the probe, running inside the instance, reports. */
type ProbeReport = {
  instanceKit: { file: string; version: string };
  cliKit: { file: string; version: string };
  packages: Array<{ name: string; path: string }>;
  factories: Array<{
    path: string;
    id: string;
    target: string;
    platform: string | null;
    isTokenStorageSupported?: boolean;
    type: string;
    logo: string;
    logoDark?: string | null;
    readme: string;
  }>;
  authorization: { url?: string; sessionKeys?: string[]; error?: string };
  invalidConfig: {
    rejected: boolean;
    isInstanceConnectorError?: boolean;
    isCliConnectorError?: boolean;
    code?: string;
    message?: string;
  };
};

/**
 * Runs inside `<instance>/packages/core`, so bare imports resolve from core's node_modules as
 * they do in Logto. The CLI's loader is imported by path from its own install in .cache/, and
 * resolves its own `@logto/connector-kit` from there; `instanceof` therefore uses the instance's copy,
 * imported explicitly.
 */
const probeSource = `
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const input = JSON.parse(await readFile(process.argv[2], 'utf8'));
const cliLib = (file) => pathToFileURL(input.cliPackage + '/lib/' + file).href;

const instanceKitFile = fileURLToPath(import.meta.resolve('@logto/connector-kit'));
const instanceKit = await import(pathToFileURL(instanceKitFile).href);
const instanceKitVersion = createRequire(import.meta.url)('@logto/connector-kit/package.json').version;

const cliRequire = createRequire(input.cliPackage + '/lib/connector/loader.js');
const cliKitFile = cliRequire.resolve('@logto/connector-kit');
const cliKit = await import(pathToFileURL(cliKitFile).href);
const cliKitVersion = cliRequire('@logto/connector-kit/package.json').version;

const { getConnectorPackagesFromDirectory } = await import(cliLib('utils.js'));
const { loadConnectorFactories } = await import(cliLib('connector/index.js'));

const packages = await getConnectorPackagesFromDirectory(input.connectors);
const factories = await loadConnectorFactories(packages, false);

const report = {
  instanceKit: { file: instanceKitFile, version: instanceKitVersion },
  cliKit: { file: cliKitFile, version: cliKitVersion },
  packages,
  factories: factories.map(({ metadata, type, path }) => ({
    path,
    id: metadata.id,
    target: metadata.target,
    platform: metadata.platform,
    isTokenStorageSupported: metadata.isTokenStorageSupported,
    type,
    logo: metadata.logo,
    logoDark: metadata.logoDark,
    readme: metadata.readme,
  })),
  authorization: {},
  invalidConfig: { rejected: false },
};

const ours = factories.find(({ metadata }) => metadata.id === input.ourId);
if (ours) {
  const request = {
    state: 'state-from-logto',
    redirectUri: input.redirectUri,
    connectorId: 'hf-connector-1',
    connectorFactoryId: input.ourId,
    jti: 'interaction-1',
    headers: {},
  };
  const connector = await ours.createConnector({ getConfig: async () => input.validConfig });
  try {
    let session;
    const url = await connector.getAuthorizationUri(request, async (value) => {
      session = value;
    });
    report.authorization = { url, sessionKeys: Object.keys(session ?? {}) };
  } catch (error) {
    report.authorization = { error: String(error) };
  }

  const broken = await ours.createConnector({ getConfig: async () => input.invalidConfig });
  try {
    await broken.getAuthorizationUri(request, async () => {});
  } catch (error) {
    report.invalidConfig = {
      rejected: true,
      isInstanceConnectorError: error instanceof instanceKit.ConnectorError,
      isCliConnectorError: error instanceof cliKit.ConnectorError,
      code: error?.code,
      message: error?.message,
    };
  }
}

await writeFile(input.reportFile, JSON.stringify(report));
`;

/** Both children print only diagnostics; a test shows them when it fails. */
const runNode = async (args: string[], cwd: string) =>
  execFileAsync(process.execPath, args, {
    cwd,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: unknown) => {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`node ${args.join(' ')} failed:\n${stdout}\n${stderr}`, { cause: error });
  });

let packed: PackedPackage;
let instance: LogtoInstance;
let cliOutput: string;
let connectorsAfterAdd: string[];
let probeLog: string;
let report: ProbeReport;

const installedFolder = () => path.join(instance.connectors, installedName);
const factory = (id: string) => report.factories.find((candidate) => candidate.id === id);
const ourFactory = () => {
  const found = factory(ourId);
  if (!found) {
    throw new Error(`Logto's loader did not load ${ourId}:\n${probeLog}`);
  }
  return found;
};
const dataUri = async (file: string) =>
  `data:image/svg+xml;base64,${(await readFile(file)).toString('base64')}`;

beforeAll(async () => {
  let cliPackage: string;
  let officialPackage: string;
  [packed, instance, cliPackage, officialPackage] = await Promise.all([
    packPackage(),
    createLogtoInstance(newestRelease),
    ensureLogtoCli(newestRelease.cli),
    ensureOfficialConnector(),
  ]);
  const cliBin = path.join(cliPackage, 'bin', 'logto.js');

  const added = await runNode(
    [cliBin, 'connector', 'add', packed.tarball, '--path', instance.root],
    instance.root
  );
  cliOutput = `${added.stdout}${added.stderr}`;
  connectorsAfterAdd = existsSync(instance.connectors) ? await readdir(instance.connectors) : [];

  // What `logto connector link` makes of an official connector built in Logto's workspace: a
  // symlink, so the package keeps resolving its own dependencies (`@logto/connector-oauth`,
  // which core does not provide) from where it was installed.
  await symlink(officialPackage, path.join(instance.connectors, '@logto-connector-huggingface'));

  const inputFile = path.join(instance.core, 'probe-input.json');
  const reportFile = path.join(instance.core, 'probe-report.json');
  const probeFile = path.join(instance.core, 'probe-connectors.mjs');
  await writeFile(probeFile, probeSource);
  await writeFile(
    inputFile,
    JSON.stringify({
      cliPackage,
      connectors: instance.connectors,
      ourId,
      redirectUri,
      validConfig: { clientId: 'hf-client-id', clientSecret: 'placeholder-client-secret' },
      invalidConfig: { clientId: 'hf-client-id' },
      reportFile,
    })
  );
  const probed = await runNode([probeFile, inputFile], instance.core);
  probeLog = `${probed.stdout}${probed.stderr}`;
  report = JSON.parse(await readFile(reportFile, 'utf8')) as ProbeReport;
}, 180_000);

afterAll(async () => {
  // Unset when beforeAll failed before creating it.
  await Promise.all([(instance as LogtoInstance | undefined)?.dispose(), releasePackedPackage()]);
});

describe('logto connector add', () => {
  it('reports the packed connector as added without errors', () => {
    expect(cliOutput).toContain(`Added ${packed.name} v${packed.version}`);
    expect(cliOutput).not.toMatch(/Failed to add|Finished with \d+ error/);
  });

  it('leaves only the unpacked connector in packages/core/connectors', () => {
    expect(connectorsAfterAdd).toEqual([installedName]);
  });

  it.each(['package.json', 'lib/index.js', 'logo.svg', 'logo-dark.svg', 'CONSOLE-GUIDE.md'])(
    'installs %s',
    (file) => {
      expect(existsSync(path.join(installedFolder(), file))).toBe(true);
    }
  );

  it('installs no dependencies next to the connector', () => {
    expect(existsSync(path.join(installedFolder(), 'node_modules'))).toBe(false);
  });
});

describe("Logto's connector loader", () => {
  it(`resolves @logto/connector-kit ${newestRelease.connectorKit} from the instance's packages/core/node_modules`, async () => {
    const expected = await realpath(
      path.join(instance.core, 'node_modules', '@logto', 'connector-kit', 'lib', 'index.js')
    );
    expect(report.instanceKit).toEqual({ file: expected, version: newestRelease.connectorKit });
  });

  it("finds the connector under Logto's package-name rule", () => {
    expect(report.packages).toContainEqual({ name: packed.name, path: installedFolder() });
  });

  it('loads the connector factory', () => {
    expect(ourFactory().path).toBe(installedFolder());
  });

  it.each([
    ['target', 'huggingface'],
    ['platform', 'Universal'],
    ['isTokenStorageSupported', true],
    ['type', 'Social'],
  ] as const)('reports %s = %s', (key, value) => {
    expect(ourFactory()[key]).toBe(value);
  });

  it.each([
    ['logo', 'logo.svg'],
    ['logoDark', 'logo-dark.svg'],
  ] as const)('inlines %s as the data URI of %s', async (key, file) => {
    expect(ourFactory()[key]).toBe(await dataUri(path.join(installedFolder(), file)));
  });

  it('inlines the console guide as text', async () => {
    expect(ourFactory().readme).toBe(
      await readFile(path.join(installedFolder(), 'CONSOLE-GUIDE.md'), 'utf8')
    );
  });
});

describe('a connector created by the loaded factory', () => {
  it("builds an authorization URL for Hugging Face's authorize endpoint", () => {
    const { url, error } = report.authorization;
    expect(error).toBeUndefined();
    const parsed = new URL(url ?? '');
    expect(`${parsed.origin}${parsed.pathname}`).toBe('https://huggingface.co/oauth/authorize');
  });

  it.each([
    ['client_id', 'hf-client-id'],
    ['redirect_uri', redirectUri],
    ['state', 'state-from-logto'],
    ['response_type', 'code'],
  ])('puts %s = %s in the authorization URL', (name, value) => {
    expect(new URL(report.authorization.url ?? '').searchParams.get(name)).toBe(value);
  });

  it('stores a sign-in session through setSession', () => {
    expect(report.authorization.sessionKeys?.length).toBeGreaterThan(0);
  });

  it("rejects an invalid config with the instance's ConnectorError, code invalid_config", () => {
    expect(report.invalidConfig).toMatchObject({
      rejected: true,
      isInstanceConnectorError: true,
      code: 'invalid_config',
    });
    expect(report.invalidConfig.message).toContain('clientSecret is required');
  });

  it("throws a class distinct from the CLI's own connector-kit copy, so the instanceof check above is meaningful", () => {
    expect(report.cliKit.file).not.toBe(report.instanceKit.file);
    expect(report.invalidConfig.isCliConnectorError).toBe(false);
  });
});

describe('next to the official @logto/connector-huggingface', () => {
  it('loads both factories', () => {
    expect(report.factories.map(({ id }) => id).sort(), probeLog).toEqual(
      [officialId, ourId].sort()
    );
  });

  it('uses an id of its own, since Logto refuses duplicate factory ids', () => {
    const ids = report.factories.map(({ id }) => id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shares the target huggingface with it', () => {
    expect([factory(officialId)?.target, ourFactory().target]).toEqual([
      'huggingface',
      'huggingface',
    ]);
  });
});
