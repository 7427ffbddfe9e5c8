import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/protocol/**/*.test.ts', 'test/core/**/*.test.ts', 'test/runtime/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e:node',
          include: ['test/e2e/**/*.test.ts'],
          env: { NETCHAT_CLI: 'node' },
          testTimeout: 30000,
        },
      },
    ],
  },
});
