/** This repository's root. */
export declare const repoRoot: string;
/** Returns the path of a Node 22 executable, installing it into .cache/node22 when missing. */
export declare const ensureNode22: () => string;
