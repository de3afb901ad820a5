/**
 * What an install into .cache/ says and leaves behind (scripts/cache-install.mjs), with npm
 * commands that need no network: scripts of a package.json written here.
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
const log = (line: string) => lines.push(line);

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

/** An install of "The thing", 12 MB, whose npm step runs `script` from a package.json in the new folder. */
const installRunning = (script: string, finish?: (folder: string) => void) => {
  let folder = '';
  const prepare = vi.fn(async (building: string) => {
    folder = building;
    await writePackageJson(building, { scripts: { step: script } });
    return building;
  });
  const installed = installIntoCache({ target, title: 'The thing', megabytes: 12, prepare, npmArgs: ['run', '--silent', 'step'], finish, log });
  return { installed, prepare, folder: () => folder };
};

describe('installIntoCache', () => {
  it('says what it fetches, how big, where and that it is reused, then what it took, and puts the folder in place', async () => {
    await expect(installRunning('node -e ""').installed).resolves.toBe(target);

    expect(lines).toEqual([
      `The thing: downloading from the npm registry into ${target}, about 12 MB on disk (once: later runs reuse it).`,
      expect.stringMatching(/^The thing: installed, \d+ MB in \d+ s\.$/),
    ]);
    expect(existsSync(path.join(target, 'package.json'))).toBe(true);
    expect(await leftovers()).toEqual([]);
  });

  it('removes the folder of an install whose process died, and keeps that of one still running', async () => {
    // A pid above Linux's largest (2^22) belongs to no process.
    const abandoned = path.join(parent, '.building-thing-4194305-a1b2c3');
    const running = path.join(parent, `.building-thing-${process.pid}-d4e5f6`);
    // Another target, "thing-b", whose name begins like this one's.
    const otherTarget = path.join(parent, '.building-thing-b-4194305-g7h8i9');
    await Promise.all([mkdir(abandoned), mkdir(running), mkdir(otherTarget)]);

    await installRunning('node -e ""').installed;

    expect((await leftovers()).sort()).toEqual([path.basename(otherTarget), path.basename(running)].sort());
  });

  it('does nothing and says nothing when the folder is there', async () => {
    await mkdir(target);
    const { installed, prepare } = installRunning('node -e ""');

    await expect(installed).resolves.toBe(target);
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

    expect(lines.slice(1)).toEqual([expect.stringMatching(/^The thing: still installing \(\d+ s so far\)$/), expect.stringMatching(/^The thing: installed/)]);
  });

  it.each([
    ["npm fails: npm's output and the title", 'node -e "console.error(\'no route to the registry\'); process.exit(3)"', undefined, /while installing The thing:[\s\S]*no route to the registry/],
    [
      'the check after npm refuses the install: its reason',
      'node -e ""',
      () => {
        throw new Error('npm left out the CLI');
      },
      /npm left out the CLI/,
    ],
  ])('when %s, and nothing left behind', async (_case, script, finish, reason) => {
    await expect(installRunning(script, finish).installed).rejects.toThrow(reason);
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
