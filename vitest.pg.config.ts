// The in-process test files against the PostgreSQL store: every createTestGateway() gets a fresh schema, because
// test/helpers/pg.ts stands in for test/helpers/app.ts. The best proof the two stores agree, beyond the contract test.
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx vitest run --config vitest.pg.config.ts
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

const root = dirname(fileURLToPath(import.meta.url));
const APP = resolve(root, 'test/helpers/app');
const PG = resolve(root, 'test/helpers/pg.ts');

export default mergeConfig(base, defineConfig({
  plugins: [{
    name: 'test-gateways-on-postgres',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || importer === PG || !source.startsWith('.')) return null;
      const target = resolve(dirname(importer), source);
      return target === APP || target === `${APP}.ts` ? PG : null;
    },
  }],
  // Each privacy-property run creates a fresh PostgreSQL schema: ≈ 1 s alone and up to 2 s beside the other files,
  // against ≈ 0.1 s on SQLite. So fewer runs than the SQLite suite's 300, with a longer budget each; both still
  // yield to PRIVACY_RUNS and PRIVACY_MS_PER_RUN.
  test: { env: { PRIVACY_RUNS: process.env.PRIVACY_RUNS ?? '60', PRIVACY_MS_PER_RUN: process.env.PRIVACY_MS_PER_RUN ?? '3000' } },
}));
