/**
 * `npm test`'s step before vitest: installs into .cache/ what the suites need beyond `npm ci`
 * and do not find there yet, one item after the other, after saying what all of it is, how big
 * and where it goes. A run that finds everything says so in one line.
 */
import { existsSync } from 'node:fs';

import { ensureSkeleton, skeletonFolder, skeletonMegabytes, skeletonsFolder } from '../test/logto/skeleton.js';
import { logtoReleases } from '../test/logto/releases.js';
import { shownPath } from './cache-install.mjs';
import { ensureOfficialConnector, officialConnectorFolder, officialConnectorMegabytes } from './logto-tools.mjs';
import { ensureNode22, node22Folder, node22Megabytes, runsOnNode22 } from './node22.mjs';

/** One thing the suites download. */
type Download = {
  /** Where it goes; present means downloaded. */
  folder: string;
  /** Installs it, printing its progress through `log`. */
  install: (log: (line: string) => void) => Promise<unknown>;
};

/** Downloads that the announcement lists as one line. */
type DownloadGroup = {
  /** What they are and what for. */
  what: string;
  /** Where they go, as the announcement shows it. */
  where: string;
  /** Roughly how many megabytes each takes on disk. */
  megabytes: number;
  items: Download[];
};

const groups: DownloadGroup[] = [
  {
    what: "Node 22, to run the suites again on Logto's Node",
    where: shownPath(node22Folder),
    megabytes: node22Megabytes,
    items: runsOnNode22() ? [] : [{ folder: node22Folder, install: ensureNode22 }],
  },
  {
    what: "each supported Logto release's CLI and the packages its core gives connectors",
    where: `${shownPath(skeletonsFolder)}/`,
    megabytes: skeletonMegabytes,
    items: logtoReleases.map((release) => ({
      folder: skeletonFolder(release),
      install: async (log: (line: string) => void) => ensureSkeleton(release, log),
    })),
  },
  {
    what: 'the official @logto/connector-huggingface, loaded beside this one',
    where: shownPath(officialConnectorFolder),
    megabytes: officialConnectorMegabytes,
    items: [{ folder: officialConnectorFolder, install: ensureOfficialConnector }],
  },
];

const missingOf = (group: DownloadGroup) => group.items.filter(({ folder }) => !existsSync(folder));
const missing = groups.flatMap(missingOf);
if (missing.length === 0) {
  console.log('Test downloads: all already in .cache/, reused.');
} else {
  const lines = groups.flatMap((group) => {
    const count = missingOf(group).length;
    if (count === 0) {
      return [];
    }
    const size = count === 1 ? `about ${group.megabytes} MB` : `${count} × about ${group.megabytes} MB`;
    return [`  - ${group.what}: ${size}, into ${group.where}`];
  });
  const total = groups.reduce((sum, group) => sum + missingOf(group).length * group.megabytes, 0);
  console.log(
    [
      `The tests need these from the npm registry, about ${total} MB on disk in all. Each is installed`,
      'once; later runs reuse it (delete .cache/ to free the space):',
      ...lines,
    ].join('\n')
  );
  /* eslint-disable no-await-in-loop -- one at a time, so that each line of progress reads on its own */
  for (const [index, download] of missing.entries()) {
    const prefix = `[${index + 1}/${missing.length}] `;
    await download.install((line) => {
      console.log(`${prefix}${line}`);
    });
  }
  /* eslint-enable no-await-in-loop */
}
