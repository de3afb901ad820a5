#!/usr/bin/env node
/**
 * Summarizes V8 CPU profiles (from `npm run bench -- --cpu-prof`): self time per package or
 * Node.js internal area, and the heaviest functions, so two connectors' costs can be compared.
 *
 * Usage: node bench/profile-summary.mjs <file.cpuprofile>...
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('Usage: node bench/profile-summary.mjs <file.cpuprofile>...');
  process.exit(2);
}

/** Where a function lives: an npm package, this repo's lib/, a Node.js internal area, or V8. */
const areaOf = (url, functionName) => {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1];
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/');
  if (url.includes('/lib/')) return 'this connector (lib/)';
  if (url.includes('/bench/')) return 'bench harness';
  return path.basename(url);
};

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  for (let index = 0; index < profile.samples.length; index += 1) {
    const id = profile.samples[index];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  const byArea = new Map();
  const byFunction = new Map();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const { callFrame } = nodes.get(id);
    if (callFrame.functionName === '(idle)') continue;
    total += micros;
    const area = areaOf(callFrame.url, callFrame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
    const name = `${callFrame.functionName || '(anonymous)'} ${area}:${callFrame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  const top = (map, count) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, micros]) => `  ${(micros / 1000).toFixed(0).padStart(7)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`);
  console.log(`${path.basename(file)}: ${(total / 1000).toFixed(0)} ms busy`);
  console.log(top(byArea, 15).join('\n'));
  console.log('  heaviest functions:');
  console.log(top(byFunction, 15).join('\n'));
  console.log();
}
