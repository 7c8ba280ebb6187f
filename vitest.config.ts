import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS and ESM builds; Node (and so Pothos, yoga) loads the CJS one, Vite would pick the ESM
    // one for our sources. One instance only, or schema types "from another realm" are refused.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each file boots its own gateways on port 0; two workers fit the 2-core machines this runs on.
    maxWorkers: 2,
  },
});
