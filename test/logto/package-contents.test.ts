/**
 * The published tarball holds what Logto loads and the documents it links, nothing else; every
 * link of a shipped document reaches a shipped file (or a heading of one); and its package.json
 * asks for nothing that a supported Logto core does not give its connectors.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { linkTargetsOf } from './markdown.js';
import { packPackage, type PackedPackage, releasePackedPackage } from './pack.js';
import { coreDependenciesOf, logtoReleases } from './releases.js';

/** The part of `semver` these tests use; the package ships no types. */
type Semver = { satisfies: (version: string, range: string) => boolean; minVersion: (range: string) => { version: string } | null };

const semver = createRequire(import.meta.url)('semver') as Semver;

type Manifest = Partial<Record<'type' | 'main' | 'types' | 'exports' | 'bundleDependencies' | 'bundledDependencies', unknown>> &
  Partial<Record<'engines' | 'dependencies' | 'optionalDependencies' | 'peerDependencies', Record<string, string>>>;

let packed: PackedPackage;
let manifest: Manifest;

beforeAll(async () => {
  packed = await packPackage();
  manifest = JSON.parse(await readFile(path.join(packed.packageDirectory, 'package.json'), 'utf8')) as Manifest;
});

afterAll(async () => {
  await releasePackedPackage();
});

/** A shipped file's text, from its tarball entry (`package/lib/index.js`). */
const shipped = async (entry: string) => readFile(path.join(packed.packageDirectory, path.posix.relative('package', entry)), 'utf8');

const shippedScripts = async () =>
  Promise.all(packed.entries.filter((entry) => entry.startsWith('package/lib/') && entry.endsWith('.js')).map(async (entry) => ({ entry, source: await shipped(entry) })));

const importPattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

/** The bare package name of an import specifier (`@scope/name/sub` -> `@scope/name`). */
const packageOf = (specifier: string) => /^(?:@[^/]+\/)?[^/]+/.exec(specifier)?.[0] ?? specifier;

describe('the tarball', () => {
  // lib/index.js, package.json, the logos and the console guide: Logto loads them from the install in matrix.test.ts.
  it.each(['package/lib/index.d.ts', 'package/README.md', 'package/SECURITY.md', 'package/CHANGELOG.md', 'package/LICENSE'])('contains %s', (entry) => {
    expect(packed.entries).toContain(entry);
  });

  it.each(['src', 'test', '.ci', 'node_modules'])('contains no %s/ folder', (folder) => {
    expect(packed.entries.filter((entry) => entry.split('/').slice(0, -1).includes(folder))).toEqual([]);
  });

  it('contains no copy of @logto/connector-kit', async () => {
    const definitions = (await shippedScripts()).filter(({ source }) => /\bclass\s+ConnectorError\b/.test(source));
    expect([...packed.entries.filter((entry) => entry.includes('connector-kit')), ...definitions.map(({ entry }) => entry)]).toEqual([]);
  });

  it('imports only Node built-ins, its own files and declared dependencies', async () => {
    const declared = new Set(Object.keys(manifest.dependencies ?? {}));
    const undeclared = (await shippedScripts()).flatMap(({ entry, source }) =>
      [...source.matchAll(importPattern)]
        .map(([, specifier = '']) => specifier)
        .filter((specifier) => !/^(?:\.|node:)/.test(specifier) && !builtinModules.includes(specifier) && !declared.has(packageOf(specifier)))
        .map((specifier) => `${entry}: ${specifier}`)
    );
    expect(undeclared).toEqual([]);
  });
});

/** A target that leaves the package: a scheme (`https:`, `mailto:`), `//host` or `www.`. */
const isExternal = (target: string) => /^[a-z][\w+.-]*:|^\/\/|^www\./i.test(target);

/** The tarball entry a relative target of `entry` names (a bare `#fragment`: the document itself). */
const entryOf = (entry: string, target: string) => {
  const file = decodeURI(target.split(/[#?]/)[0] ?? '');
  return file === '' ? entry : path.posix.normalize(path.posix.join(path.posix.dirname(entry), file));
};

/** The anchors GitHub and npm give a document's headings: lower case, punctuation dropped, spaces as `-`, repeats numbered. */
const headingAnchorsOf = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading = ''] of markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
};

describe("the tarball's documents", () => {
  it('link and show only files the tarball contains, and only headings those files have', async () => {
    const documents = await Promise.all(packed.entries.filter((entry) => entry.endsWith('.md')).map(async (entry) => ({ entry, text: await shipped(entry) })));
    const anchors = new Map(documents.map(({ entry, text }) => [entry, headingAnchorsOf(text)]));
    const broken = documents.flatMap(({ entry, text }) =>
      linkTargetsOf(text)
        .filter((target) => !isExternal(target))
        .filter((target) => {
          const file = entryOf(entry, target);
          const fragment = target.split('#')[1];
          return !packed.entries.includes(file) || (fragment !== undefined && anchors.get(file)?.has(decodeURIComponent(fragment)) === false);
        })
        .map((target) => `${entry}: ${target}`)
    );
    expect(broken).toEqual([]);
  });
});

const runtimeDependencies = () => ({ ...manifest.peerDependencies, ...manifest.optionalDependencies, ...manifest.dependencies });

/** `lib/index.js` and `lib/index.d.ts`, with or without a leading `./`. */
const [libIndex, libTypes] = [/^(?:\.\/)?lib\/index\.js$/, /^(?:\.\/)?lib\/index\.d\.ts$/].map((pattern) => expect.stringMatching(pattern) as unknown);

describe('package.json', () => {
  it('is an ES module leading main, its import and default exports to lib/index.js, types to lib/index.d.ts, bundling nothing', () => {
    expect(manifest).toMatchObject({ type: 'module', main: libIndex, types: libTypes, exports: { '.': { import: libIndex, default: libIndex } } });
    expect([manifest.bundleDependencies, manifest.bundledDependencies]).toEqual([undefined, undefined]);
  });

  // Where core states only a range, its lowest version stands in, so a connector range above it is caught.
  it.each(logtoReleases)("depends only on packages Logto $releases core provides, in ranges core's versions satisfy", (release) => {
    const core = coreDependenciesOf(release);
    const unmet = Object.entries(runtimeDependencies())
      .filter(([name, range]) => !(name in core) || !semver.satisfies(semver.minVersion(core[name] ?? '')?.version ?? '', range))
      .map(([name, range]) => `${name}@${range} (core: ${core[name] ?? 'none'})`);
    expect(unmet).toEqual([]);
  });

  // Nothing wider than the supported releases: connector-kit before 4.7.0 (on npm: 4.0.0 and
  // older) lacks what Logto 1.35 gives connectors, and jose below core's ranges was never shipped.
  it.each([
    ['@logto/connector-kit', '4.0.0'],
    ['@logto/connector-kit', '3.0.0'],
    ...['5.6.2', '6.2.2', '4.15.9'].map((version) => ['jose', version]),
  ])('refuses %s %s, which no supported Logto ships', (name, version) => {
    expect(semver.satisfies(version, runtimeDependencies()[name] ?? '*')).toBe(false);
  });

  it.each([
    ['node', '20.19.0', true],
    ['node', '22.14.0', true],
    ['logto', '1.34.0', false],
    ...logtoReleases.flatMap(({ versions }) => versions.map((version) => ['logto', version, true] as const)),
  ] as const)('lets engines.%s admit %s: %s', (engine, version, admitted) => {
    expect(semver.satisfies(version, manifest.engines?.[engine] ?? '')).toBe(admitted);
  });
});

it("the package's command prints the package's version, read beside the built lib/", async () => {
  const bin = fileURLToPath(new URL('../../lib/migrate/bin.js', import.meta.url));
  const { version } = JSON.parse(await shipped('package/package.json')) as { version: string };

  expect(await promisify(execFile)(process.execPath, [bin, '--version'])).toEqual({ stdout: `${version}\n`, stderr: '' });
});
