/** The official connector's version, the newest on the npm registry. */
export declare const officialConnectorVersion: string;
/** Roughly how many megabytes the official connector's install takes on disk. */
export declare const officialConnectorMegabytes: number;
/** Roughly how many megabytes one Logto CLI install takes on disk. */
export declare const logtoCliMegabytes: number;
/** Where the official connector is installed. */
export declare const officialConnectorFolder: string;
/** The official connector's package folder (its `package.json`, `lib/`), once installed. */
export declare const officialConnectorPackage: string;
/** Installs the official connector into .cache/official-connector/<version> when missing. */
export declare const ensureOfficialConnector: (log?: (line: string) => void) => Promise<string>;
/** Where Logto's CLI `version` is installed. */
export declare const logtoCliFolder: (version: string) => string;
/** The folder of Logto's CLI `version` (its `bin/logto.js`, `lib/`), once installed. */
export declare const logtoCliPackage: (version: string) => string;
/** Installs Logto's CLI `version` into .cache/logto-cli/<version> when missing. */
export declare const ensureLogtoCli: (version: string, log?: (line: string) => void) => Promise<string>;
