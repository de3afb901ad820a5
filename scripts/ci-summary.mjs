#!/usr/bin/env node
// Prints the last line of CI: `N passed, N failed` over every suite, and exits 1 when anything
// failed. It reads one directory (.ci/run's results directory):
// - `vitest-*.json`: vitest's JSON reports (one per Node version); each test counts once, and a
//   test file that failed without a failed test (an import error, a failing hook) counts as one
//   failure;
// - `<suite>.status`: the exit code of a suite .ci/run ran. `tests.status` is `npm test` and
//   `real-logto.status` is `npm run test:logto`, whose tests the vitest reports count
//   (`vitest-node*.json`, `vitest-real-logto-<build>.json`); when such a suite failed and none of its tests
//   did (the build broke, say), that is one failure. Any other suite (lint, say) counts as one
//   test: passed when its code is 0.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const directory = process.argv[2];
if (!directory) {
  console.error('usage: node scripts/ci-summary.mjs <results directory>');
  process.exit(2);
}

const files = readdirSync(directory).sort();
let passed = 0;
let failed = 0;
const notes = [];
/** Which vitest reports belong to a suite whose tests they count. */
const reportsOf = { tests: /^vitest-node\d+\.json$/, 'real-logto': /^vitest-real-logto-[\w-]+\.json$/ };
const failedBySuite = { tests: 0, 'real-logto': 0 };

for (const file of files.filter((name) => /^vitest-.*\.json$/.test(name))) {
  const report = JSON.parse(readFileSync(path.join(directory, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  for (const [suite, pattern] of Object.entries(reportsOf)) {
    if (pattern.test(file)) failedBySuite[suite] += report.numFailedTests;
  }
  for (const result of report.testResults) {
    const hasFailedTest = result.assertionResults.some((test) => test.status === 'failed');
    if (result.status === 'failed' && !hasFailedTest) {
      failed += 1;
      notes.push(`${path.relative(process.cwd(), result.name)} failed outside its tests (${file})`);
    }
  }
}

for (const file of files.filter((name) => name.endsWith('.status'))) {
  const suite = file.slice(0, -'.status'.length);
  const code = Number(readFileSync(path.join(directory, file), 'utf8').trim());
  if (suite in reportsOf) {
    if (code !== 0 && failedBySuite[suite] === 0) {
      failed += 1;
      notes.push(`${suite} exited with ${code} although none of its tests failed`);
    }
  } else if (code === 0) {
    passed += 1;
  } else {
    failed += 1;
    notes.push(`${suite} exited with ${code}`);
  }
}

for (const note of notes) console.log(note);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
