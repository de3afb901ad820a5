import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A real Logto runs these: `npm run test:logto`.
    exclude: [...configDefaults.exclude, 'test/real-logto/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
