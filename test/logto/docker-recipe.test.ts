/**
 * The README's Docker and Docker Compose recipe, followed as written: its shell commands unpack
 * the packed tarball into a folder, which its `Dockerfile` `COPY` and its Compose volume put into
 * the official image's connectors folder. The folder holds the tarball's `package/`, as the one
 * `logto connector add` unpacks to the same place, which every release's loader loads in
 * matrix.test.ts. (No Docker engine runs here.)
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { repoRoot } from '../../scripts/cache-install.mjs';
import { codeBlocksOf, sectionOf } from './markdown.js';
import { entriesOf, packPackage, type PackedPackage, releasePackedPackage } from './pack.js';

let recipe: string;
let packed: PackedPackage;
let host: string;

const blockOf = (language: string) => {
  const blocks = codeBlocksOf(recipe).filter((block) => block.language === language);
  if (blocks.length !== 1) {
    throw new Error(`The Docker recipe should have one ${language} block, not ${blocks.length}`);
  }
  return blocks[0]!.code;
};

/** The `COPY <source> <destination>` of the recipe's Dockerfile. */
const dockerfileCopy = () => {
  const copies = [...blockOf('Dockerfile').matchAll(/^COPY\s+(\S+)\s+(\S+)\s*$/gm)].map(([, source = '', destination = '']) => ({ source, destination }));
  expect(copies).toHaveLength(1);
  return copies[0]!;
};

beforeAll(async () => {
  recipe = sectionOf(await readFile(path.join(repoRoot, 'README.md'), 'utf8'), '### With Docker or Docker Compose');
  packed = await packPackage();
  // The operator's folder, holding the tarball `npm pack` wrote, under the name npm gave it.
  host = await mkdtemp(path.join(tmpdir(), 'logto-docker-recipe-'));
  await copyFile(packed.tarball, path.join(host, path.basename(packed.tarball)));
  await promisify(execFile)('sh', ['-eu', '-c', blockOf('sh')], { cwd: host, timeout: 60_000 });
});

afterAll(async () => {
  await Promise.all([host && rm(host, { recursive: true, force: true }), releasePackedPackage()]);
});

describe("the README's Docker recipe", () => {
  it('unpacks the whole package into the folder the Dockerfile copies from', async () => {
    expect(await entriesOf(path.join(host, dockerfileCopy().source))).toEqual(packed.entries);
  });

  it('copies it to packages/core/connectors/connector-huggingface in the image, where `logto connector add` puts it', () => {
    expect(dockerfileCopy().destination).toBe('/etc/logto/packages/core/connectors/connector-huggingface');
  });

  it('mounts the same folder at the same place with Docker Compose, read-only', () => {
    const volumes = [...blockOf('yaml').matchAll(/^\s*-\s+(\S+)$/gm)].map(([, volume = '']) => volume);
    const { source, destination } = dockerfileCopy();
    expect(volumes).toEqual([`./${source}:${destination}:ro`]);
  });

  it('starts from the official image', () => {
    expect(blockOf('Dockerfile')).toMatch(/^FROM svhd\/logto:\S+$/m);
    expect(blockOf('yaml')).toMatch(/^\s+image: svhd\/logto:\S+$/m);
  });
});
