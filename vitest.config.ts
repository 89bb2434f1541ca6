import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two groups, one after the other. First the unit tests beside the code (`src/**`: no process,
 * no port, no timing assertion) in worker threads, at least two at a time: on a 2-core machine
 * their 119 files are ~10 s of tests and ~55 s of one-fork-per-file start-up, 68 s → 34 s.
 * Then the integration tests (`test/**`: spawned servers, real PostgreSQL/Redis, timing-sensitive
 * limits) in forks, as before: one file per core but one (on 2 cores, one at a time, so they never
 * share the cores with each other); their PostgreSQL/Redis suites use distinct schemas and key
 * prefixes, so on more cores they may run in parallel.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    poolOptions: {
      threads: { maxThreads: Math.max(2, availableParallelism() - 1), minThreads: 1 },
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts'], pool: 'threads', sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], pool: 'forks', sequence: { groupOrder: 1 } },
      },
    ],
  },
});
