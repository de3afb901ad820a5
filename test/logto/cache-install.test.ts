/**
 * What an install into .cache/ says and leaves behind (scripts/cache-install.mjs), with npm
 * commands that need no network: `npm --version`, and scripts of a package.json written here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { folderMegabytes, installIntoCache, writePackageJson } from '../../scripts/cache-install.mjs';

let parent: string;
let target: string;
let lines: string[];
const log = (line: string) => {
  lines.push(line);
};

beforeEach(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'cache-install-'));
  target = path.join(parent, 'thing');
  lines = [];
});

afterEach(async () => {
  vi.useRealTimers();
  await rm(parent, { recursive: true, force: true });
});

/** Folders the install left beside the target, other than the target. */
const leftovers = async () => (await readdir(parent)).filter((name) => name !== 'thing');

/** An install whose npm step runs `script` from a package.json in the new folder. */
const installRunning = (script: string, finish?: (folder: string) => void) => {
  let folder = '';
  const installed = installIntoCache({
    target,
    title: 'The thing',
    megabytes: 12,
    prepare: async (building) => {
      folder = building;
      await writePackageJson(building, { scripts: { step: script } });
      return building;
    },
    npmArgs: ['run', '--silent', 'step'],
    finish,
    log,
  });
  return { installed, folder: () => folder };
};

describe('installIntoCache', () => {
  it('says what it fetches, how big, where and that it is reused, then what it took', async () => {
    await installIntoCache({
      target,
      title: 'The thing',
      megabytes: 12,
      prepare: async (building) => {
        await writeFile(path.join(building, 'marker'), 'prepared');
        return building;
      },
      npmArgs: ['--version'],
      log,
    });

    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `The thing: downloading from the npm registry into ${target}, about 12 MB on disk (once: later runs reuse it).`
    );
    expect(lines[1]).toMatch(/^The thing: installed, \d+ MB in \d+ s\.$/);
    expect(existsSync(path.join(target, 'marker'))).toBe(true);
    expect(await leftovers()).toEqual([]);
  });

  it('does nothing and says nothing when the folder is there', async () => {
    await mkdir(target);
    const prepare = vi.fn((building: string) => Promise.resolve(building));

    await expect(
      installIntoCache({ target, title: 'The thing', megabytes: 12, prepare, npmArgs: ['--version'], log })
    ).resolves.toBe(target);
    expect(prepare).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('prints a line every half minute while npm works', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { installed, folder } = installRunning(
      `node -e "const fs = require('fs'); const wait = setInterval(() => { if (fs.existsSync('go')) clearInterval(wait); }, 20);"`
    );
    // The heartbeat's interval exists once npm has started.
    while (vi.getTimerCount() === 0) {
      // eslint-disable-next-line no-await-in-loop -- polling until npm has started
      await sleep(20);
    }
    vi.advanceTimersByTime(30_000);
    await writeFile(path.join(folder(), 'go'), '');
    await installed;

    expect(lines[1]).toMatch(/^The thing: still installing \(\d+ s so far\)$/);
    expect(lines[2]).toMatch(/^The thing: installed/);
    expect(lines).toHaveLength(3);
  });

  it("fails with npm's output and the title when npm fails, leaving nothing behind", async () => {
    const { installed } = installRunning('node -e "console.error(\'no route to the registry\'); process.exit(3)"');

    await expect(installed).rejects.toThrow(/while installing The thing:[\s\S]*no route to the registry/);
    expect(existsSync(target)).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it('keeps nothing when the check after npm refuses the install', async () => {
    const { installed } = installRunning('node -e ""', () => {
      throw new Error('npm left out the CLI');
    });

    await expect(installed).rejects.toThrow('npm left out the CLI');
    expect(existsSync(target)).toBe(false);
    expect(await leftovers()).toEqual([]);
  });
});

describe('folderMegabytes', () => {
  it('counts a hard-linked file once', async () => {
    await mkdir(target);
    await writeFile(path.join(target, 'binary'), randomBytes(3_000_000));
    await link(path.join(target, 'binary'), path.join(target, 'same-binary'));

    expect(await folderMegabytes(target)).toBe(3);
  });
});
