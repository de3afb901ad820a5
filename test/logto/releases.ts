/**
 * The Logto releases this connector supports, with what each one's core ships to connectors
 * (from the release tags' `packages/core/package.json`).
 */

/** One row of the compatibility table: releases whose core ships the same connector-visible packages. */
export type LogtoRelease = {
  /** The releases the row stands for, as people read them, e.g. `1.35.0 – 1.37.1`. */
  releases: string;
  /** Every release tag of the row. */
  versions: readonly string[];
  /** The exact `@logto/connector-kit` version core ships; the loader checks our range against it. */
  connectorKit: string;
  /** Core's `jose` range; npm installs the newest version of its major. */
  jose: string;
  /** The `@logto/cli` whose `connector add` and loader the row uses: its own release's when on npm, else the nearest. */
  cli: string;
};

/** Every supported release, oldest first. */
export const logtoReleases: readonly LogtoRelease[] = Object.freeze([
  { releases: '1.35.0 – 1.37.1', versions: ['1.35.0', '1.36.0', '1.37.0', '1.37.1'], connectorKit: '4.7.0', jose: '^5.6.3', cli: '1.37.1' },
  { releases: '1.38.0 – 1.39.0', versions: ['1.38.0', '1.39.0'], connectorKit: '5.0.0', jose: '^5.6.3', cli: '1.40.1' },
  { releases: '1.40.x', versions: ['1.40.0', '1.40.1'], connectorKit: '5.0.1', jose: '^5.6.3', cli: '1.40.1' },
  { releases: '1.41.0', versions: ['1.41.0'], connectorKit: '5.1.0', jose: '^5.6.3', cli: '1.42.0' },
  { releases: '1.42.0', versions: ['1.42.0'], connectorKit: '5.1.0', jose: '^6.2.3', cli: '1.42.0' },
  { releases: '1.43.0', versions: ['1.43.0'], connectorKit: '5.1.1', jose: '^6.2.3', cli: '1.43.0' },
]);

/** The newest supported release. */
export const newestRelease: LogtoRelease = logtoReleases.at(-1)!;

/** What every supported core ships with the same range, so a connector may import it without declaring more than core provides. */
const sharedCoreDependencies = {
  '@silverhand/essentials': '^2.9.1',
  got: '^14.0.0',
  ky: '^1.2.3',
  nanoid: '^5.0.9',
  'snakecase-keys': '^8.0.1',
  zod: '3.24.3',
};

/**
 * What core's `package.json` declares for `release`: the packages a connector may import, and
 * `@logto/cli`, whose loader core runs at start.
 */
export const coreDependenciesOf = (release: LogtoRelease): Record<string, string> => ({
  ...sharedCoreDependencies,
  '@logto/cli': release.cli,
  '@logto/connector-kit': release.connectorKit,
  jose: release.jose,
});
