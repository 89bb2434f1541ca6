import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // PostgreSQL/Redis-backed suites use distinct schemas/prefixes so files may run in parallel.
    fileParallelism: true,
  },
});
