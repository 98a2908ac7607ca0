import { defineConfig } from 'vitest/config';

// TEST_SHUFFLE=1 runs test files (and tests, except in scenarios marked `shuffle: false`) in a random
// order, to prove no test depends on another (TEST_SEED=N repeats an order). vitest's own
// --sequence.shuffle flag cannot be used: it replaces the projects' groupOrder.
const shuffle = process.env.TEST_SHUFFLE === '1' ? { files: true, tests: true } : false;
const seed = Number(process.env.TEST_SEED) || Date.now();

export default defineConfig({
  test: {
    // Shuffling is a root setting: vitest ignores it inside projects.
    sequence: { shuffle, seed },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // Pulls every image of test/images.txt first; checks for leftovers at the end.
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 3,
          // Unit tests run first and apart; the engine tests after them, a few files at a time.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'exclusive',
          // Tests that change the whole engine (a swarm): alone, after everything else.
          include: ['test/exclusive/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
