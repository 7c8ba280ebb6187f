// The committed schema.graphql is the printed schema, and every operation and argument of the contract that apps
// rely on (shared/spec/schema-contract.graphql, copied to test/fixtures) exists with the same types.
import { readFileSync } from 'node:fs';
import { Kind, isObjectType, parse, print, printSchema, type ObjectTypeDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('schema.graphql', () => {
  it('when the schema changes, then schema.graphql must be regenerated (npm run schema:print)', () => {
    expect(read('../schema.graphql')).toBe(`${printSchema(schema)}\n`);
  });
});

describe('the schema contract', () => {
  // The contract names envelope types it does not define (their names are free); fields and arguments are not.
  const types = new Map(parse(read('./fixtures/schema-contract.graphql')).definitions
    .filter((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION)
    .map((d) => [d.name.value, d]));
  const oursOf = (type: string) => {
    const t = schema.getType(type);
    if (!isObjectType(t)) throw new Error(`type ${type} is missing`);
    return t.getFields();
  };

  for (const root of ['Query', 'Mutation', 'Subscription']) {
    for (const field of types.get(root)?.fields ?? []) {
      it(`when an app calls ${root}.${field.name.value}, then it exists with the contract's arguments`, () => {
        const ours = oursOf(root)[field.name.value];
        expect(ours, `${root}.${field.name.value} is missing`).toBeDefined();
        for (const arg of field.arguments ?? []) {
          expect(String(ours!.args.find((a) => a.name === arg.name.value)?.type), `${root}.${field.name.value}(${arg.name.value})`)
            .toBe(print(arg.type));
        }
        // No extra required argument an app would not send.
        expect(ours!.args.filter((a) => String(a.type).endsWith('!')).map((a) => a.name).sort())
          .toEqual((field.arguments ?? []).filter((a) => a.type.kind === Kind.NON_NULL_TYPE).map((a) => a.name.value).sort());
      });
    }
  }

  for (const type of ['V2TimMessage', 'V2TimMsgCreateInfoResult', 'V2TimConversation', 'V2TimConversationResult',
    'V2TimGroupMemberInfoResult', 'V2TimGroupMemberFullInfo', 'V2TimGroupInfo', 'MessageRevokedEvent']) {
    it(`when a client selects ${type}'s contract fields, then each exists with the same type`, () => {
      const ours = oursOf(type);
      for (const f of types.get(type)?.fields ?? []) expect(String(ours[f.name.value]?.type), `${type}.${f.name.value}`).toBe(print(f.type));
    });
  }
});
