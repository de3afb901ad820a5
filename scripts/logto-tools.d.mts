/** The official connector's version, the newest on the npm registry. */
export declare const officialConnectorVersion: string;
/** Roughly how many megabytes the official connector's install takes on disk. */
export declare const officialConnectorMegabytes: number;
/** Where the official connector is installed. */
export declare const officialConnectorFolder: string;
/** The official connector's package folder (its `package.json`, `lib/`), once installed. */
export declare const officialConnectorPackage: string;
/** Installs the official connector into .cache/official-connector/<version> when missing. */
export declare const ensureOfficialConnector: (log?: (line: string) => void) => Promise<string>;
