/**
 * Prints, as JSON, how long importing one connector takes in a fresh process that has already
 * loaded the modules Logto core shares with connectors: @logto/connector-kit, got, ky, zod, jose.
 *
 * Usage: node bench/import-time.mjs official|ours [URL of our lib/index.js, default ../lib/index.js]
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

import { officialConnectorPackage } from '../scripts/logto-tools.mjs';

const [which, ourModule = new URL('../lib/index.js', import.meta.url).href] = process.argv.slice(2);
const connectorModules = {
  official: pathToFileURL(path.join(officialConnectorPackage, 'lib', 'index.js')).href,
  ours: ourModule,
};
if (!Object.hasOwn(connectorModules, which ?? '')) {
  console.error('Usage: node bench/import-time.mjs official|ours [URL of our lib/index.js]');
  process.exit(2);
}

await Promise.all([
  import('@logto/connector-kit'),
  import('got'),
  import('ky'),
  import('zod'),
  import('jose'),
]);

const start = performance.now();
await import(connectorModules[which]);
const importMs = performance.now() - start;
console.log(JSON.stringify({ which, importMs }));
