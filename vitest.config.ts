import { configDefaults, defineConfig } from 'vitest/config';

/** Set by .ci/run: each vitest run also writes a JSON report there, for the summary line. */
const resultsDirectory = process.env.CI_RESULTS_DIR;
const nodeMajor = process.versions.node.split('.')[0] ?? 'unknown';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'stand-in/**/*.test.ts'],
    // A real Logto runs these: `npm run test:logto`.
    exclude: [...configDefaults.exclude, 'test/real-logto/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    ...(resultsDirectory && {
      reporters: ['default', 'json'],
      outputFile: { json: `${resultsDirectory}/vitest-node${nodeMajor}.json` },
    }),
  },
});
