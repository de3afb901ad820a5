import { defineConfig } from 'vitest/config';

/** Set by .ci/run: the run also writes a JSON report there, for the summary line. */
const resultsDirectory = process.env.CI_RESULTS_DIR;
/** Set by run.mjs: which Logto build this run drives, so each build's report has its own file. */
const build = process.env.REAL_LOGTO_BUILD ?? 'snapshot';

/**
 * The real-Logto suite (`npm run test:logto`, through test/real-logto/run.mjs): one file at a
 * time, since each starts its own Logto core on fixed loopback ports.
 */
export default defineConfig({
  test: {
    include: ['test/real-logto/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    ...(resultsDirectory && {
      reporters: ['default', 'json'],
      outputFile: { json: `${resultsDirectory}/vitest-real-logto-${build}.json` },
    }),
  },
});
