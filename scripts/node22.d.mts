/** This repository's root. */
export declare const repoRoot: string;
/** Where Node 22 is installed. */
export declare const node22Folder: string;
/** Roughly how many megabytes the install takes on disk. */
export declare const node22Megabytes: number;
/** Whether this process already runs on Node 22. */
export declare const runsOnNode22: () => boolean;
/** Returns the path of a Node 22 executable, installing it into .cache/node22 when missing. */
export declare const ensureNode22: (log?: (line: string) => void) => Promise<string>;
