/** This repository's root. */
export declare const repoRoot: string;
/** `.cache/` in this repository, where every on-demand install goes. */
export declare const cacheRoot: string;
/** A path as people read it in the output: relative to the repository when inside it. */
export declare const shownPath: (folder: string) => string;
/** A duration as people read it: `42 s`, `3 min 5 s`. */
export declare const formatDuration: (ms: number) => string;
/** The size of a folder's files in whole megabytes (symbolic links not followed). */
export declare const folderMegabytes: (folder: string) => Promise<number>;
/** Whether the process `pid` still runs on this machine (another user's counts as running). */
export declare const isProcessAlive: (pid: number) => boolean;
/** What {@link installIntoCache} installs, and how. */
export type CacheInstall = {
  /** The folder; when it exists, nothing happens. */
  target: string;
  /** What is installed, e.g. `Node 22`. */
  title: string;
  /** Roughly how many megabytes it takes on disk, for the announcement. */
  megabytes: number;
  /** Writes what npm needs into the new folder and returns the folder to run npm in. */
  prepare: (folder: string) => Promise<string>;
  /** npm's arguments, run in the folder `prepare` returned. */
  npmArgs: string[];
  /** Checks or completes the new folder before it is put in place; throws when it is unusable. */
  finish?: (folder: string) => Promise<void> | void;
  /** Where the progress lines go; `console.log` by default. */
  log?: (line: string) => void;
  /** How long npm may take before it is stopped; no limit by default. */
  timeoutMs?: number;
};
/** Installs something into `target` unless it is already there, announcing it and its progress. */
export declare const installIntoCache: (options: CacheInstall) => Promise<string>;
/** Writes a `package.json` into `folder`, so that npm run there installs into it. */
export declare const writePackageJson: (folder: string, fields?: Record<string, unknown>) => Promise<void>;
/** npm's options for every install into .cache/: quiet, no audit, no funding notes. */
export declare const quietNpmOptions: readonly string[];
