// The committed migrations match the drizzle schemas: drizzle-kit, run against a copy of each migrations folder,
// finds nothing to generate. Fails when src/db/schema.ts (or src/db/pg/schema.ts) changed without `db:generate`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

describe.each([
  ['SQLite', 'sqlite', './src/db/schema.ts', 'drizzle'],
  ['PostgreSQL', 'postgresql', './src/db/pg/schema.ts', 'drizzle-pg'],
])('%s migrations', (_name, dialect, schema, folder) => {
  it(`when drizzle-kit compares ${schema} with ${folder}/, then there is nothing to generate`, () => {
    // drizzle-kit writes relative to the project, so the copy lives inside it (under node_modules, never committed).
    const copy = `node_modules/.cache/migration-check-${dialect}-${process.pid}`;
    rmSync(`${root}${copy}`, { recursive: true, force: true });
    mkdirSync(`${root}node_modules/.cache`, { recursive: true });
    cpSync(`${root}${folder}`, `${root}${copy}`, { recursive: true });
    try {
      const before = readdirSync(`${root}${copy}`).sort();
      const out = execFileSync(
        'npx',
        ['drizzle-kit', 'generate', '--dialect', dialect, '--schema', schema, '--out', copy],
        { cwd: root, encoding: 'utf8' },
      );
      expect(readdirSync(`${root}${copy}`).sort()).toEqual(before);
      expect(out).toMatch(/No schema changes/);
    } finally {
      rmSync(`${root}${copy}`, { recursive: true, force: true });
    }
  });
});
