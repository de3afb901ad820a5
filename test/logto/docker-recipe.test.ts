/**
 * The README's Docker and Docker Compose recipe, followed as written: its shell commands unpack
 * the packed tarball into a folder, and the folder is put where its `Dockerfile` `COPY` and its
 * Compose volume put it, in an instance laid out like the official image's `/etc/logto`. Logto's
 * loader of every supported release must then load the connector from there. (No Docker engine
 * runs here; what the image adds, `/etc/logto` with core's node_modules, is what the instance
 * has.)
 */
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureNode22 } from '../../scripts/node22.mjs';
import { type InstanceProcess, type LoadReport, startInstanceProcess } from './instance-process.js';
import { codeBlocksOf, sectionOf } from './markdown.js';
import { packPackage, type PackedPackage, releasePackedPackage, repoRoot } from './pack.js';
import { type LogtoRelease, logtoReleases } from './releases.js';
import { createLogtoInstance, type LogtoInstance } from './skeleton.js';

const execFileAsync = promisify(execFile);

/** Where the official image keeps Logto (its `WORKDIR`) and the connectors core loads. */
const imageRoot = '/etc/logto';
const imageConnectors = `${imageRoot}/packages/core/connectors`;
const factoryId = 'huggingface-oidc-universal';

let recipe: string;
let packed: PackedPackage;
let host: string;
const loaded = new Map<LogtoRelease, { instance: LogtoInstance; process: InstanceProcess; load: LoadReport }>();

const blockOf = (language: string) => {
  const blocks = codeBlocksOf(recipe).filter((block) => block.language === language);
  if (blocks.length !== 1) {
    throw new Error(`The Docker recipe should have one ${language} block, not ${blocks.length}`);
  }
  return blocks[0]!.code;
};

/** The `COPY <source> <destination>` of the recipe's Dockerfile. */
const dockerfileCopy = () => {
  const copies = blockOf('Dockerfile')
    .split('\n')
    .filter((line) => /^COPY\s/.test(line))
    .map((line) => line.trim().split(/\s+/).slice(1));
  expect(copies).toHaveLength(1);
  const [source = '', destination = ''] = copies[0] ?? [];
  return { source, destination };
};

/** The volume of the recipe's Compose file: `<host folder>:<container folder>[:options]`. */
const composeVolume = () => {
  const volumes = blockOf('yaml')
    .split('\n')
    .map((line) => /^\s*-\s+(\S+)$/.exec(line)?.[1])
    .filter((volume): volume is string => volume !== undefined);
  expect(volumes).toHaveLength(1);
  const [source = '', destination = '', options] = (volumes[0] ?? '').split(':');
  return { source, destination, options };
};

/** The instance path the image path `imagePath` (under `/etc/logto`) stands for. */
const inInstance = (instance: LogtoInstance, imagePath: string) =>
  path.join(instance.root, path.posix.relative(imageRoot, imagePath));

beforeAll(async () => {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  recipe = sectionOf(readme, '### With Docker or Docker Compose');
  packed = await packPackage();

  // The operator's folder, holding the tarball `npm pack` wrote, under the name npm gave it.
  host = await mkdtemp(path.join(tmpdir(), 'logto-docker-recipe-'));
  await copyFile(packed.tarball, path.join(host, path.basename(packed.tarball)));
  await execFileAsync('sh', ['-eu', '-c', blockOf('sh')], { cwd: host, timeout: 60_000 });

  const node = await ensureNode22();
  const { source, destination } = dockerfileCopy();
  /* eslint-disable no-await-in-loop -- one release at a time: each starts a Logto process, and the machine has few cores */
  for (const release of logtoReleases) {
    const instance = await createLogtoInstance(release);
    await cp(path.join(host, source), inInstance(instance, destination), { recursive: true });
    const process = await startInstanceProcess(instance, node);
    const load = await process.call<LoadReport>('load', { connectors: instance.connectors });
    loaded.set(release, { instance, process, load });
  }
  /* eslint-enable no-await-in-loop */
}, 600_000);

afterAll(async () => {
  await Promise.all(
    [...loaded.values()].flatMap(({ instance, process }) => [process.close(), instance.dispose()])
  );
  await Promise.all([host && rm(host, { recursive: true, force: true }), releasePackedPackage()]);
});

describe("the README's Docker recipe", () => {
  it('unpacks the tarball into the folder the Dockerfile copies from', async () => {
    const { source } = dockerfileCopy();
    const manifest = JSON.parse(await readFile(path.join(host, source, 'package.json'), 'utf8')) as {
      name?: string;
    };
    expect(manifest.name).toBe(packed.name);
  });

  it("copies it into a folder of the image's connectors directory", () => {
    const { destination } = dockerfileCopy();
    expect(path.posix.dirname(destination)).toBe(imageConnectors);
  });

  it('mounts the same folder at the same place with Docker Compose, read-only', () => {
    const { source, destination } = dockerfileCopy();
    const volume = composeVolume();
    expect(volume).toEqual({ source: `./${source}`, destination, options: 'ro' });
  });

  it('starts from the official image', () => {
    expect(blockOf('Dockerfile')).toMatch(/^FROM svhd\/logto:\S+$/m);
    expect(blockOf('yaml')).toMatch(/^\s+image: svhd\/logto:\S+$/m);
  });
});

describe.each(logtoReleases)("the recipe's folder in Logto $releases", (release) => {
  const row = () => {
    const found = loaded.get(release);
    if (!found) throw new Error(`Logto ${release.releases} was not set up`);
    return found;
  };

  it("is loaded by that release's loader", () => {
    const { load, process, instance } = row();
    const ours = load.factories.find(({ id }) => id === factoryId);
    expect(ours, process.output()).toBeDefined();
    expect(ours?.path).toBe(inInstance(instance, dockerfileCopy().destination));
  });

  it("imports core's connector-kit and jose", () => {
    const { load, instance } = row();
    const ours = load.factories.find(({ id }) => id === factoryId);
    const coreModules = path.join(instance.core, 'node_modules');
    expect(ours?.connectorKit).toEqual({
      folder: path.join(coreModules, '@logto', 'connector-kit'),
      version: release.connectorKit,
    });
    expect(ours?.jose.folder).toBe(path.join(coreModules, 'jose'));
  });

  it('builds an authorization URL', async () => {
    const { url } = await row().process.call<{ url: string }>('authorize', {
      factoryId,
      config: { clientId: 'hf-client-id', clientSecret: 'hf-client-secret' },
      request: {
        state: 'state-1',
        redirectUri: 'https://auth.example.com/callback/abc123',
        connectorId: 'abc123',
        connectorFactoryId: factoryId,
        jti: 'interaction-1',
        headers: {},
      },
    });
    expect(`${new URL(url).origin}${new URL(url).pathname}`).toBe('https://huggingface.co/oauth/authorize');
  });
});
