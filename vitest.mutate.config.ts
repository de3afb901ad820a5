import { defineConfig } from 'vitest/config';

/**
 * The suite `npm run mutate` runs against every mutant: the unit tests, which need nothing beyond
 * nock and a few loopback sockets and run in seconds. The other suites start oidc-provider,
 * Logto's CLI or Chromium, or run thousands of generated cases, and would take minutes per mutant.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
