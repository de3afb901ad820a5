/**
 * The published tarball holds what Logto loads and the documents it links, nothing else; every
 * link of a shipped document reaches a shipped file (or a heading of one); and its package.json
 * passes the checks Logto's loader and `logto connector add` rely on.
 */
import { readdir, readFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { linkTargetsOf } from './markdown.js';
import { packPackage, type PackedPackage, releasePackedPackage } from './pack.js';
import { type LogtoRelease, logtoReleases, sharedCoreDependencies } from './releases.js';

/** The part of `semver` these tests use; the package ships no types. */
type Semver = {
  satisfies: (version: string, range: string) => boolean;
  validRange: (range: string) => string | null;
  minVersion: (range: string) => { version: string } | null;
};

const semver = createRequire(import.meta.url)('semver') as Semver;

/**
 * Versions every supported Logto core ships. Where core only states a range, the lowest version
 * it allows stands in, so a connector range above it is caught.
 */
const coreVersionsOf = (release: LogtoRelease): Readonly<Record<string, string>> =>
  Object.fromEntries(
    Object.entries({
      ...sharedCoreDependencies,
      '@logto/connector-kit': release.connectorKit,
      jose: release.jose,
    }).map(([name, range]) => [name, semver.minVersion(range)?.version ?? range])
  );

type Manifest = {
  name?: unknown;
  type?: unknown;
  main?: unknown;
  types?: unknown;
  exports?: unknown;
  engines?: { node?: unknown; logto?: unknown };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bundleDependencies?: unknown;
  bundledDependencies?: unknown;
};

let packed: PackedPackage;
let manifest: Manifest;

beforeAll(async () => {
  packed = await packPackage();
  manifest = JSON.parse(
    await readFile(path.join(packed.packageDirectory, 'package.json'), 'utf8')
  ) as Manifest;
});

afterAll(async () => {
  await releasePackedPackage();
});

const normalise = (target: unknown) =>
  typeof target === 'string' ? path.posix.normalize(target) : target;

/** The file `exports` maps `.` to under one condition. */
const exportTarget = (exports: unknown, condition: string): unknown => {
  if (typeof exports === 'string') {
    return exports;
  }
  if (typeof exports !== 'object' || exports === null) {
    return undefined;
  }
  const root: unknown = '.' in exports ? exports['.'] : exports;
  if (typeof root === 'string') {
    return root;
  }
  if (typeof root === 'object' && root !== null && condition in root) {
    return (root as Record<string, unknown>)[condition];
  }
  return undefined;
};

const runtimeDependencies = () => ({
  ...manifest.peerDependencies,
  ...manifest.optionalDependencies,
  ...manifest.dependencies,
});

const libScripts = async () => {
  const directory = path.join(packed.packageDirectory, 'lib');
  const names = (await readdir(directory, { recursive: true })).filter((name) =>
    name.endsWith('.js')
  );
  return Promise.all(
    names.map(async (name) => ({
      name,
      source: await readFile(path.join(directory, name), 'utf8'),
    }))
  );
};

const importPattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

/** The bare package name of an import specifier (`@scope/name/sub` -> `@scope/name`). */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

describe('the tarball', () => {
  it.each([
    'package/lib/index.js',
    'package/lib/index.d.ts',
    'package/logo.svg',
    'package/logo-dark.svg',
    'package/CONSOLE-GUIDE.md',
    'package/package.json',
  ])('contains %s', (entry) => {
    expect(packed.entries).toContain(entry);
  });

  it.each(['src', 'test', '.ci', 'node_modules'])('contains no %s/ folder', (folder) => {
    const offending = packed.entries.filter((entry) => entry.split('/').slice(0, -1).includes(folder));
    expect(offending).toEqual([]);
  });

  it('contains no copy of @logto/connector-kit', async () => {
    const kitFiles = packed.entries.filter((entry) => entry.includes('connector-kit'));
    const definitions = (await libScripts()).filter(({ source }) =>
      /\bclass\s+ConnectorError\b/.test(source)
    );
    expect({ kitFiles, definitions: definitions.map(({ name }) => name) }).toEqual({
      kitFiles: [],
      definitions: [],
    });
  });

  it('imports @logto/connector-kit by its bare name, so Logto core supplies it', async () => {
    const importers = (await libScripts()).filter(({ source }) =>
      [...source.matchAll(importPattern)].some(([, specifier]) => specifier === '@logto/connector-kit')
    );
    expect(importers.map(({ name }) => name)).toContain('errors.js');
  });

  it('imports only Node built-ins, its own files and declared dependencies', async () => {
    const declared = new Set(Object.keys(manifest.dependencies ?? {}));
    const builtins = new Set(builtinModules);
    const undeclared = (await libScripts()).flatMap(({ name, source }) =>
      [...source.matchAll(importPattern)]
        .map(([, specifier = '']) => specifier)
        .filter(
          (specifier) =>
            !specifier.startsWith('.') &&
            !specifier.startsWith('node:') &&
            !builtins.has(specifier) &&
            !declared.has(packageOf(specifier))
        )
        .map((specifier) => `${name}: ${specifier}`)
    );
    expect(undeclared).toEqual([]);
  });
});

/** A shipped Markdown file: its path in the tarball (`package/README.md`) and its text. */
type ShippedDocument = { entry: string; text: string };

const shippedDocuments = async (): Promise<ShippedDocument[]> =>
  Promise.all(
    packed.entries
      .filter((entry) => entry.endsWith('.md'))
      .map(async (entry) => ({
        entry,
        text: await readFile(path.join(packed.packageDirectory, path.posix.relative('package', entry)), 'utf8'),
      }))
  );

/** A target that leaves the package: a scheme (`https:`, `mailto:`), `//host` or `www.`. */
const isExternal = (target: string) => /^[a-z][\w+.-]*:|^\/\/|^www\./i.test(target);

/** The tarball entry a relative target of `entry` names (`''` for a bare `#fragment`: the document itself). */
const entryOf = (entry: string, target: string) => {
  const file = decodeURI(target.split(/[#?]/)[0] ?? '');
  return file === '' ? entry : path.posix.normalize(path.posix.join(path.posix.dirname(entry), file));
};

/** The anchors GitHub and npm give a document's headings: lower case, punctuation dropped, spaces as `-`, repeats numbered. */
const headingAnchorsOf = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutFences = markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
  for (const [, heading = ''] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
};

describe("the tarball's documents", () => {
  it.each(['package/README.md', 'package/SECURITY.md', 'package/CHANGELOG.md', 'package/LICENSE'])(
    'include %s',
    (entry) => {
      expect(packed.entries).toContain(entry);
    }
  );

  it('link and show only files the tarball contains', async () => {
    const missing = (await shippedDocuments()).flatMap(({ entry, text }) =>
      linkTargetsOf(text)
        .filter((target) => !isExternal(target))
        .filter((target) => !packed.entries.includes(entryOf(entry, target)))
        .map((target) => `${entry}: ${target}`)
    );
    expect(missing).toEqual([]);
  });

  it("link only to headings their target documents have", async () => {
    const documents = await shippedDocuments();
    const anchors = new Map(documents.map(({ entry, text }) => [entry, headingAnchorsOf(text)]));
    const broken = documents.flatMap(({ entry, text }) =>
      linkTargetsOf(text)
        .filter((target) => !isExternal(target) && target.includes('#'))
        .filter((target) => {
          const targetAnchors = anchors.get(entryOf(entry, target));
          return targetAnchors !== undefined && !targetAnchors.has(decodeURIComponent(target.split('#')[1] ?? ''));
        })
        .map((target) => `${entry}: ${target}`)
    );
    expect(broken).toEqual([]);
  });
});

describe('package.json', () => {
  it('names the package connector-*, the prefix Logto scans connectors/ for', () => {
    expect(manifest.name).toMatch(/^connector-/);
  });

  it('declares an ES module package', () => {
    expect(manifest.type).toBe('module');
  });

  it('points main at lib/index.js', () => {
    expect(normalise(manifest.main)).toBe('lib/index.js');
  });

  it.each(['import', 'default'])('points the %s export of "." at lib/index.js', (condition) => {
    expect(normalise(exportTarget(manifest.exports, condition))).toBe('lib/index.js');
  });

  it('points types at lib/index.d.ts', () => {
    expect(normalise(manifest.types)).toBe('lib/index.d.ts');
  });

  it('lists @logto/connector-kit under dependencies, where Logto looks for its version range', () => {
    expect(manifest.dependencies).toHaveProperty(['@logto/connector-kit']);
  });

  it('bundles no dependencies', () => {
    expect([manifest.bundleDependencies, manifest.bundledDependencies]).toEqual([
      undefined,
      undefined,
    ]);
  });

  it.each(logtoReleases)('depends only on packages Logto $releases core provides', (release) => {
    const coreVersions = coreVersionsOf(release);
    const foreign = Object.keys(runtimeDependencies()).filter((name) => !(name in coreVersions));
    expect(foreign).toEqual([]);
  });

  it.each(logtoReleases)("uses dependency ranges that Logto $releases core's versions satisfy", (release) => {
    const coreVersions = coreVersionsOf(release);
    const unsatisfied = Object.entries(runtimeDependencies())
      .filter(([name]) => name in coreVersions)
      .filter(([name, range]) => !semver.satisfies(coreVersions[name] ?? '', range))
      .map(([name, range]) => `${name}@${range} rejects ${coreVersions[name]}`);
    expect(unsatisfied).toEqual([]);
  });

  // Nothing wider than the supported releases: connector-kit before 4.7.0 (on npm: 4.0.0 and
  // older) lacks what Logto 1.35 gives connectors, and jose below core's ranges was never shipped.
  it.each([
    ['@logto/connector-kit', '4.0.0'],
    ['@logto/connector-kit', '3.0.0'],
    ['jose', '5.6.2'],
    ['jose', '6.2.2'],
    ['jose', '4.15.9'],
  ])('refuses %s %s, which no supported Logto ships', (name, version) => {
    expect(semver.satisfies(version, runtimeDependencies()[name] ?? '*')).toBe(false);
  });

  it('has a valid engines.node range', () => {
    expect(semver.validRange(String(manifest.engines?.node))).not.toBeNull();
  });

  it.each(['20.19.0', '22.14.0'])('lets engines.node admit Node %s', (version) => {
    expect(semver.satisfies(version, String(manifest.engines?.node))).toBe(true);
  });

  it.each(logtoReleases.flatMap(({ versions }) => versions))('lets engines.logto admit Logto %s', (version) => {
    expect(semver.satisfies(version, String(manifest.engines?.logto))).toBe(true);
  });

  it('states no Logto before 1.35 in engines.logto', () => {
    expect(semver.satisfies('1.34.0', String(manifest.engines?.logto))).toBe(false);
  });
});
