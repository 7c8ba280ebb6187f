// The committed schema.graphql is the printed schema, and every operation and argument of the contract that apps
// rely on (shared/spec/schema-contract.graphql, copied to test/fixtures) exists with the same types.
import { readFileSync } from 'node:fs';
import {
  Kind,
  getNamedType,
  isEnumType,
  isObjectType,
  parse,
  print,
  printSchema,
  type EnumTypeDefinitionNode,
  type GraphQLEnumType,
  type ObjectTypeDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  ConversationType,
  GroupInfoChangeType,
  GroupMemberRole,
  GroupTipsType,
  GroupType,
  MessageElemType,
  MessagePriorityEnum,
  MessageStatus,
} from '../client/src/constants';
import { schema } from '../src/schema';
import { createTestGateway } from './helpers/app';
import { group, sendText } from './helpers/ops';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('schema.graphql', () => {
  it('when the schema changes, then schema.graphql must be regenerated (npm run schema:print)', () => {
    expect(read('../schema.graphql')).toBe(`${printSchema(schema)}\n`);
  });
});

describe('the schema contract', () => {
  // The contract names envelope types it does not define (their names are free); fields and arguments are not.
  const types = new Map(
    parse(read('./fixtures/schema-contract.graphql'))
      .definitions.filter((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
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
          expect(
            String(ours!.args.find((a) => a.name === arg.name.value)?.type),
            `${root}.${field.name.value}(${arg.name.value})`,
          ).toBe(print(arg.type));
        }
        // No extra required argument an app would not send.
        expect(
          ours!.args
            .filter((a) => String(a.type).endsWith('!'))
            .map((a) => a.name)
            .sort(),
        ).toEqual(
          (field.arguments ?? [])
            .filter((a) => a.type.kind === Kind.NON_NULL_TYPE)
            .map((a) => a.name.value)
            .sort(),
        );
      });
    }
  }

  for (const type of [
    'V2TimMessage',
    'V2TimMsgCreateInfoResult',
    'V2TimConversation',
    'V2TimConversationResult',
    'V2TimGroupMemberInfoResult',
    'V2TimGroupMemberFullInfo',
    'V2TimGroupInfo',
    'MessageRevokedEvent',
  ]) {
    it(`when a client selects ${type}'s contract fields, then each exists with the same type`, () => {
      const ours = oursOf(type);
      for (const f of types.get(type)?.fields ?? [])
        expect(String(ours[f.name.value]?.type), `${type}.${f.name.value}`).toBe(print(f.type));
    });
  }
});

describe('output types', () => {
  const contract = parse(read('./fixtures/schema-contract.graphql'));

  it('when a client reads any query or mutation, then it answers in the { code, desc } envelope (getLoginUser too)', () => {
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const field of Object.values(root.getFields())) {
        const type = getNamedType(field.type);
        expect(
          isObjectType(type) &&
            String(type.getFields().code?.type) === 'Int!' &&
            String(type.getFields().desc?.type) === 'String!',
          `${root.name}.${field.name} returns ${String(field.type)}`,
        ).toBe(true);
      }
    }
  });

  for (const e of contract.definitions.filter(
    (d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION,
  )) {
    it(`when a client switches on ${e.name.value}, then its values are the SDK's constants`, () => {
      const ours = schema.getType(e.name.value);
      expect(ours && isEnumType(ours), `enum ${e.name.value} is missing`).toBe(true);
      expect(
        (ours as GraphQLEnumType)
          .getValues()
          .map((v) => v.name)
          .sort(),
      ).toEqual((e.values ?? []).map((v) => v.name.value).sort());
    });
  }

  it('when the client package maps an enum to the SDK number, then it is the number the gateway stores', () => {
    const numbers: Record<string, Record<string, number | string>> = {
      MessageStatus,
      MessageElemType,
      MessagePriority: MessagePriorityEnum,
      GroupMemberRole,
      ConversationType,
      GroupType,
      GroupTipsType,
      GroupInfoChangeType,
    };
    for (const [name, values] of Object.entries(numbers)) {
      const ours = schema.getType(name === 'MessagePriority' ? 'MessagePriorityEnum' : name) as GraphQLEnumType;
      expect(Object.fromEntries(ours.getValues().map((v) => [v.name, v.value])), name).toEqual(values);
    }
  });

  it('when a message is sent after January 2038, then its timestamp and the join time come back whole', async () => {
    const after2038 = 2 ** 31 + 86_400 * 365; // 2039
    const gw = createTestGateway({ now: () => after2038 });
    const groupID = await group(gw, 'alice', ['bob']);
    const sent = await sendText(gw, 'alice', 'from the future', { groupID });
    expect(sent).toMatchObject({
      code: 0,
      data: {
        timestamp: after2038,
        status: 'V2TIM_MSG_STATUS_SEND_SUCC',
        priority: 'V2TIM_PRIORITY_NORMAL',
        sender: 'alice',
      },
    });
    const members = await gw.call(
      'alice',
      'query($g: String!) { getGroupMemberList(groupID: $g) { code desc data { memberInfoList { userID role joinTime } } } }',
      { g: groupID },
    );
    expect(members.data.memberInfoList).toContainEqual({
      userID: 'bob',
      role: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER',
      joinTime: after2038,
    });
  });
});
