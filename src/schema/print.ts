// `npm run schema:print` writes schema.graphql, the committed SDL that test/schema.test.ts keeps in step.
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from './index';

writeFileSync(new URL('../../schema.graphql', import.meta.url), `${printSchema(schema)}\n`);
console.log('wrote schema.graphql');
