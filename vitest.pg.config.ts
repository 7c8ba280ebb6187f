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
}));
