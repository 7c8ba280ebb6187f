// CI runs GraphQL Code Generator on examples/operations.graphql against schema.graphql, as an app would, and
// type-checks its output under strict: the operations validate, and their types are what apps compile against.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { GENERATED, generate } from '../client/codegen';

describe('GraphQL Code Generator on examples/operations.graphql', () => {
  it('when the schema or the operations change, then client/src/generated.ts is regenerated (npm run codegen)', async () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(await generate());
  });

  it('when the generated module is compiled on its own under strict, then it has no type errors', () => {
    const program = ts.createProgram([fileURLToPath(GENERATED)], {
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noImplicitOverride: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      verbatimModuleSyntax: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(errors).toEqual([]);
  });
});
