// Bad input, schema-driven and random (the fixed table is test/bad-input.test.ts): every Query and Mutation field of
// the schema the gateway serves (introspected, so a new field is fuzzed the day it lands) is called with random
// arguments built from its argument types: plausible values (fixture ids picked by the argument's name), hostile ones
// (empty, 10k long, NUL, U+FFFF, lone surrogates, emoji, edited ids, other users' ids and prefixes; 0, -1, 2^31-1,
// -2^31; empty, 1000-long and duplicated lists; input objects with fields missing or null; every enum value), most
// often all plausible but one, and now and then a value of the wrong type. The fixture is real (six users, two of them
// "__proto__" and "constructor"; a Work, two Public, a Community and an AVChatRoom group; C2C and group messages sent
// and unsent, targeted ones for others, a merger, a picture, uploads to reuse by uuid, a reaction, a join request), and
// a run's calls go on from what the earlier ones made (the latest id and msgID), some two or three at once, with the
// clock moving on between them. Where success needs the arguments to fit together and with the caller (the group's
// owner, a waiting application, the caller's own draft, message or upload), half the calls are made to fit (FITS:
// fixture ids, the calls that prepare them just before, one in three with one value hostile after all), so the success
// paths meet hostile-but-valid values too. The selection takes `code desc`, or also the scalar leaves of `data` (one
// level, or three), so output resolvers run too. Every answer must be a clear one: HTTP status below 500; no masked "Unexpected
// error." nor any other GraphQL error; a known V2TIM code whose desc, when not 0, is a sentence naming an argument or
// the value (and no SQL or stack); data set when the code is 0; a wrong type a GraphQL error naming its variable;
// nothing logged at error level; every request answered in time (a hang names the call); someone else's ids answer
// exactly as unknown ones; on SQLite a refused call stores nothing; after every batch the gateway still answers.
// The upload request itself is fuzzed by test/upload.property.test.ts (here the fixture makes uploads; the uuid
// arguments reuse them).
// FUZZ_RUNS=2000 explores longer, FUZZ_STATS=1 prints the codes each operation answered (how deep the calls get); a
// failure prints the calls (fast-check's counterexample, fixture ids as {"$ref":…}), the seed and the path: FUZZ_SEED=…
// FUZZ_PATH=… replays it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Lexer,
  Source,
  TokenKind,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Code } from '../src/codes';
import { testConfig, userSig, type GqlResult, type TestGateway } from './helpers/app';
import { gateways, skipNotice } from './helpers/backends';
import { CREATE_TARGETED, CREATE_TEXT, SEND, group } from './helpers/ops';
import { mp4, png, upload as multipart, wav } from './helpers/upload';

skipNotice('fuzz property');

/** Runs per store: a run is a fresh gateway, fixture and up to 30 steps, 15 on average (a call, with those that
 *  prepare it, or a tick; ≈ 0.1 s on SQLite, ≈ 0.7 s on PostgreSQL). */
const RUNS = { SQLite: Number(process.env.FUZZ_RUNS ?? 200), PostgreSQL: Number(process.env.FUZZ_RUNS ?? 20) };
/** How long one request may take before it counts as a hang. */
const MS_PER_CALL = { SQLite: 5_000, PostgreSQL: 15_000 };
const STEPS_PER_RUN = 30;
/** Where each store's gateway keeps uploads: the disk beside SQLite, PostgreSQL beside PostgreSQL (the defaults). */
const MEDIA_STORE = { SQLite: 'disk', PostgreSQL: 'postgres' } as const;

// ---- symbolic values: what fast-check generates and prints, made concrete against each run's fixture ----

/** A generated argument value: JSON, or one of the `$` forms below (each fixture has its own ids). */
type Val =
  | null
  | boolean
  | number
  | string
  | Val[]
  | { $ref: Ref; edit?: Edit }
  | { $long: string; n: number }
  | { $many: Val; n: number; distinct: boolean }
  /** A value of the wrong type for its place: the answer is a GraphQL error naming the variable. */
  | { $bad: unknown }
  /** Left out of the variables (or of its input object). */
  | { $omit: true }
  | { [field: string]: Val };

type Edit = 'suffix' | 'truncate' | 'upper' | 'c2c' | 'group' | 'pad';

/** "__proto__" and "constructor" are userIDs like any (printable ASCII): code that keys plain objects by userID
 *  meets the prototype's own names. */
const USERS = ['alice', 'bob', 'carol', 'dave', '__proto__', 'constructor'] as const;
type User = (typeof USERS)[number];
/** hasOwnProperty: a groupID (printable ASCII) that is also a name on every object's prototype. */
const GROUP_REFS = ['work', 'pub', 'outside', 'comm', 'room', 'hasOwnProperty'] as const;
const MESSAGE_REFS = [
  'c2c',
  'c2cBack',
  'groupMsg',
  'bobsGroupMsg',
  'targeted',
  'foreignTargeted',
  'foreignC2C',
  'revoked',
  'merger',
  'roomMsg',
  'imageMsg',
  'protoMsg',
  'protoC2C',
  'lastMsg',
] as const;
/** lastId and lastMsg: the latest data.id and data.msgID a call of the run answered (made by the run itself). */
const DRAFT_REFS = ['draft', 'draftCustom', 'draftFace', 'draftTargeted', 'sentDraft', 'bobsDraft', 'lastId'] as const;
const CONVERSATION_REFS = [
  'convBob',
  'convWork',
  'convOutside',
  'convSelf',
  'convDave',
  'convPub',
  'convProto',
  'convOdd',
] as const;
const CURSOR_REFS = ['convNext', 'memberNext'] as const;
const SIG_REFS = ['sigAlice', 'sigBob', 'sigExpired'] as const;
/** Uploads (their uuids): alice's picture, file, sound and video, bob's file. */
const UUID_REFS = ['uuidImage', 'uuidFile', 'uuidSound', 'uuidVideo', 'bobsUuid'] as const;
const USER_REFS = [...USERS, 'erin'] as const; // erin never logged in
const ALL_REFS = [
  ...USER_REFS,
  ...GROUP_REFS,
  ...MESSAGE_REFS,
  ...DRAFT_REFS,
  ...CONVERSATION_REFS,
  ...CURSOR_REFS,
  ...SIG_REFS,
  ...UUID_REFS,
] as const;
type Ref = (typeof ALL_REFS)[number];
type Fixture = Record<Ref, string>;

function edit(s: string, how: Edit | undefined): string {
  switch (how) {
    case undefined:
      return s;
    case 'suffix':
      return `${s}x`;
    case 'truncate':
      return s.slice(0, -1);
    case 'upper':
      return s.toUpperCase();
    case 'c2c':
      return `c2c_${s}`;
    case 'group':
      return `group_${s}`;
    case 'pad':
      return ` ${s} `;
  }
}

/** The concrete value of `v`; `bad` learns whether a wrong-typed value is inside. */
function resolve(v: Val, fx: Fixture, bad: { found: boolean }): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.filter((x) => !isOmit(x)).map((x) => resolve(x, fx, bad));
  if ('$ref' in v) return edit(fx[v.$ref as Ref], v.edit as Edit | undefined);
  if ('$long' in v) return (v.$long as string).repeat(v.n as number);
  if ('$many' in v) {
    const one = resolve(v.$many as Val, fx, bad);
    return Array.from({ length: v.n as number }, (_, i) =>
      v.distinct && typeof one === 'string' ? `${one}${i}` : one,
    );
  }
  if ('$bad' in v) {
    bad.found = true;
    return v.$bad;
  }
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => !isOmit(x))
      .map(([k, x]) => [k, resolve(x, fx, bad)]),
  );
}
const isOmit = (v: Val) => v !== null && typeof v === 'object' && !Array.isArray(v) && '$omit' in v;
const OMIT: Val = { $omit: true };

/** Variables as a failure prints them: long strings and lists shortened, so the message stays readable. */
function show(value: unknown): string {
  return JSON.stringify(value, (_k, x: unknown) => {
    if (typeof x === 'string' && x.length > 60) return `${x.slice(0, 20)}…(${x.length} chars)`;
    if (Array.isArray(x) && x.length > 10) return [...x.slice(0, 3), `…(${x.length} items)`];
    return x;
  });
}

// ---- values per type: plausible ones (what a client would send), hostile ones (anything, mostly nasty) ----

type Mode = 'plausible' | 'hostile';

const ref = (...refs: readonly Ref[]): fc.Arbitrary<Val> => fc.constantFrom(...refs).map(($ref) => ({ $ref }));

/** Strings that break naive code: empty, huge, control and non-characters, surrogates, markup and SQL, numbers. */
const HOSTILE_STRINGS: Val[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uffff',
  '\ufffe',
  '\ud800',
  'a\udc00',
  '😀',
  '👩🏽‍💻',
  '\u202eevil',
  "' OR 1=1 --",
  '%',
  '_',
  '\\',
  '"',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'c2c',
  'group',
  'c2c_',
  'group_',
  '0',
  '-1',
  '1e309',
  '9007199254740993',
  '-9223372036854775809',
  'NaN',
  '{"a":1}',
  'created_temp_id-',
  'created_temp_id-AAAAAAAAAAAAAAAAAAAAAA',
  '1700000000-AAAAAAAAAAAA',
  '@TGS#abc',
  'a'.repeat(33),
  'a'.repeat(49),
  { $long: 'a', n: 10_000 },
  { $long: '😀', n: 5_000 },
  { $long: '\u0000', n: 10_000 },
];

/** Which fixture ids an argument's name calls for (a groupID wants groups, a msgIDList messages, …). */
function hinted(name: string): readonly Ref[] {
  if (name === 'groupType' || name === 'groupName') return [];
  if (/conversation/i.test(name)) return CONVERSATION_REFS;
  if (/group/i.test(name)) return GROUP_REFS;
  if (/sig/i.test(name)) return SIG_REFS;
  if (/uuid/i.test(name)) return UUID_REFS;
  if (/nextSeq/.test(name)) return CURSOR_REFS;
  if (/msg|message/i.test(name) && !/^id$|Id$/.test(name)) return MESSAGE_REFS;
  if (/^id$|Id$/.test(name)) return DRAFT_REFS;
  if (/user|receiver|member|owner/i.test(name)) return USER_REFS;
  return [];
}

/** What a client would send for a string argument without fixture ids, by its name. */
function plainString(name: string): fc.Arbitrary<Val> {
  if (name === 'groupType') return fc.constantFrom('Work', 'Public', 'Meeting', 'Community', 'AVChatRoom');
  if (name === 'reactionID') return fc.constantFrom('like', 'smile', '👍');
  if (name === 'key') return fc.constantFrom('k1', 'k2', 'Tag_1');
  if (/url/i.test(name)) return fc.constant('https://example.com/a.png');
  return fc.oneof(fc.constantFrom('hello', '{"k":"v"}', 'x', 'a name'), fc.string({ minLength: 1, maxLength: 12 }));
}

function stringVal(name: string, mode: Mode): fc.Arbitrary<Val> {
  const pool = hinted(name);
  if (mode === 'plausible') return pool.length > 0 ? ref(...pool) : plainString(name);
  return fc.oneof(
    ...(pool.length > 0 ? [{ weight: 3, arbitrary: ref(...pool) }] : []),
    { weight: 1, arbitrary: ref(...ALL_REFS) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...(pool.length > 0 ? pool : ALL_REFS)),
          fc.constantFrom<Edit>('suffix', 'truncate', 'upper', 'c2c', 'group', 'pad'),
        )
        .map(([$ref, e]) => ({ $ref, edit: e })),
    },
    { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: plainString(name) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'grapheme' }) },
  );
}

const INT32 = 2 ** 31 - 1;
/** What a client would send for an Int argument, by its name (a count 1-100, a role 200 or 300, …). */
function plainInt(name: string): fc.Arbitrary<Val> {
  switch (name) {
    case 'count':
      return fc.constantFrom(1, 2, 20, 100);
    case 'role':
      return fc.constantFrom(200, 300);
    case 'type':
      return fc.constantFrom(0, 2);
    case 'getType':
      return fc.constantFrom(1, 2, 3, 4);
    case 'markType':
      return fc.constantFrom(1, 2, 4, 8);
    case 'seconds':
      return fc.constantFrom(0, 60, 3600);
    case 'maxUserCountPerReaction':
      return fc.integer({ min: 0, max: 10 });
    default:
      return fc.integer({ min: 0, max: 2 });
  }
}
const hostileInt: fc.Arbitrary<Val> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, -1, 1, 2, 3, 8, 10, 20, 50, 99, 100, 101, 200, 300, 301, 400, 1000) },
  { weight: 2, arbitrary: fc.constantFrom(INT32, -INT32 - 1, INT32 - 1, 86_400 * 31, 2_592_000) },
  { weight: 1, arbitrary: fc.integer({ min: -INT32 - 1, max: INT32 }) },
);
const hostileFloat: fc.Arbitrary<Val> = fc.oneof(
  fc.constantFrom(0, -0, 1.5, 90, -90, 180, -180, 90.000001, -180.000001, 1e308, -1e308, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const hostileTimestamp: fc.Arbitrary<Val> = fc.oneof(
  fc.constantFrom(0, -1, 1, 1_700_000_000, INT32, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1)),
  fc.integer({ min: -1, max: 4_000_000_000 }),
);

/** A wrong-typed value for a leaf of `typeName` (String gets a number, Int a string or a fraction, …). */
function badLeaf(typeName: string): fc.Arbitrary<Val> {
  const wrong: unknown[] =
    typeName === 'String'
      ? [42, true, { a: 1 }, ['a']]
      : typeName === 'Int'
        ? ['7', 1.5, 2 ** 31, -(2 ** 31) - 1, true]
        : typeName === 'Float'
          ? ['1.5', true, [1]]
          : typeName === 'Boolean'
            ? ['yes', 0, 1]
            : typeName === 'Timestamp'
              ? [1.5, '1700000000', 2 ** 53, true]
              : ['NOT_A_VALUE', 3, true];
  return fc.constantFrom(...wrong).map(($bad) => ({ $bad }));
}

const oneIn = (n: number) => fc.nat(n - 1).map((k) => k === 0);

/** Values for an argument or input field of `type`, named `name` (the name picks fixture ids). */
function valueOf(type: GraphQLInputType, name: string, mode: Mode, nullable = true): fc.Arbitrary<Val> {
  if (isNonNullType(type)) {
    if (mode === 'plausible') return valueOf(type.ofType, name, mode, false);
    return fc.oneof(
      { weight: 40, arbitrary: valueOf(type.ofType, name, mode, false) },
      { weight: 1, arbitrary: fc.constant({ $bad: null }) }, // null where it may not be
    );
  }
  const inner = valueOfNamed(type, name, mode);
  if (!nullable) return inner;
  return mode === 'plausible'
    ? fc.oneof({ weight: 1, arbitrary: inner }, { weight: 2, arbitrary: fc.constant(OMIT) })
    : fc.oneof({ weight: 3, arbitrary: inner }, { weight: 1, arbitrary: fc.constantFrom(OMIT, null) });
}

function valueOfNamed(type: GraphQLInputType, name: string, mode: Mode): fc.Arbitrary<Val> {
  if (isListType(type)) {
    const item = valueOf(type.ofType, name, mode);
    if (mode === 'plausible') return fc.array(item, { minLength: 1, maxLength: 3 });
    return fc.oneof(
      { weight: 1, arbitrary: fc.constant<Val>([]) },
      { weight: 4, arbitrary: fc.array(item, { minLength: 1, maxLength: 4 }) },
      { weight: 1, arbitrary: item.map((x) => [x, x]) },
      {
        weight: 1,
        arbitrary: fc
          .record({ $many: item, n: fc.constantFrom(1000, 101, 51, 31, 21), distinct: fc.boolean() })
          .map((m) => m as Val),
      },
    );
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const record = (m: Mode) => fc.tuple(...fields.map((f) => valueOf(f.type, f.name, m)));
    // Hostile: mostly one field so (the others plausible), as for an operation's arguments.
    const values =
      mode === 'plausible'
        ? record('plausible')
        : fc.oneof(
            { weight: 1, arbitrary: record('hostile') },
            {
              weight: 3,
              arbitrary: fc
                .tuple(record('plausible'), record('hostile'), fc.nat(fields.length - 1))
                .map(([plausible, hostile, i]) => plausible.map((v, j) => (j === i ? hostile[j]! : v))),
            },
          );
    return fc
      .tuple(
        values,
        mode === 'hostile' ? oneIn(30) : fc.constant(false), // a field the type does not have
        mode === 'hostile' ? oneIn(30) : fc.constant(false), // a required field left out
      )
      .map(([values, extra, missing]) => {
        const out: Record<string, Val> = {};
        fields.forEach((f, i) => (out[f.name] = values[i]!));
        const required = fields.find((f) => isNonNullType(f.type));
        if (missing && required) out[required.name] = { $bad: undefined } as Val;
        if (extra) out.notAField = { $bad: 1 };
        return out as Val;
      });
  }
  const typeName = getNamedType(type).name;
  const leaf = ((): fc.Arbitrary<Val> => {
    if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
    const plausible = mode === 'plausible';
    switch (typeName) {
      case 'Int':
        return plausible ? plainInt(name) : hostileInt;
      case 'Float':
        return plausible ? fc.double({ min: -90, max: 90, noNaN: true }) : hostileFloat;
      case 'Boolean':
        return fc.boolean();
      case 'Timestamp':
        return plausible ? fc.constantFrom(0, 1_700_000_000) : hostileTimestamp;
      default:
        return stringVal(name, mode);
    }
  })();
  if (mode === 'plausible') return leaf;
  return fc.oneof({ weight: 30, arbitrary: leaf }, { weight: 1, arbitrary: badLeaf(typeName) });
}

// ---- operations from the schema ----

interface Operation {
  field: string;
  kind: 'query' | 'mutation';
  args: GraphQLArgument[];
  /** Documents by selection depth: `code desc`; and data's scalar leaves; and data's leaves three levels down. */
  documents: string[];
  /** Whether `data` is in the selection of documents[i]. */
  selectsData: boolean[];
  /** Its arguments' names (uploads too) and their input objects' fields: what a refusal's desc may name. */
  names: string[];
}

const isUpload = (a: GraphQLArgument) => getNamedType(a.type).name === 'Upload';

/** The scalar leaves of `type` (fields without required arguments), and its objects' leaves down to `depth`. */
function leaves(type: GraphQLOutputType, depth: number): string | null {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return null;
  const parts: string[] = [];
  for (const f of Object.values(named.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const t = getNamedType(f.type);
    if (isLeafType(t)) parts.push(f.name);
    else if (depth > 0) {
      const sub = leaves(f.type, depth - 1);
      if (sub) parts.push(`${f.name} ${sub}`);
    }
  }
  return parts.length > 0 ? `{ ${parts.join(' ')} }` : null;
}

/** The lexer's token count, which graphql-armor's maxTokens bounds. */
function tokens(doc: string): number {
  const lexer = new Lexer(new Source(doc));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

function operationsOf(schema: GraphQLSchema): Operation[] {
  const out: Operation[] = [];
  for (const [kind, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(root!.getFields())) {
      const args = field.args.filter((a) => !isUpload(a)); // uploads are nullable: fuzzed without them
      const declared = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
      const call = `${field.name}${args.length > 0 ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : ''}`;
      const head = `${kind}${declared ? `(${declared})` : ''}`;
      const result = getNamedType(field.type);
      if (!isObjectType(result) || !result.getFields().code || !result.getFields().desc)
        throw new Error(`${field.name} does not answer an envelope { code desc }`);
      const data = result.getFields().data;
      const selections = [
        'code desc',
        ...(data ? [0, 2].map((depth) => `code desc data ${leaves(data.type, depth) ?? ''}`) : []),
      ];
      const documents = selections.map((s) => `${head} { ${call} { ${s} } }`);
      for (const d of documents)
        if (tokens(d) > 900) throw new Error(`${field.name}: the fuzz selection is over the token limit:\n${d}`);
      const names = field.args.flatMap((a) => {
        const t = getNamedType(a.type);
        return [a.name, ...(isInputObjectType(t) ? Object.keys(t.getFields()) : [])];
      });
      out.push({
        field: field.name,
        kind,
        args,
        documents,
        selectsData: selections.map((s) => s.includes('data')),
        names,
      });
    }
  }
  return out;
}

interface Call {
  op: string;
  as: User;
  depth: number;
  vars: Record<string, Val>;
  /** Sent at the same time as the call before it (a race: SQLite's sends of one turn share a transaction). */
  together: boolean;
}

/** Between calls: the gateway's clock moves on (past revoke windows, mutes, a draft's lifetime). */
interface Tick {
  tick: number;
}
type Step = Call | Tick;

/** The steps in the groups that run at once (a tick runs alone). */
function batches(steps: Step[]): Step[][] {
  const out: Step[][] = [];
  for (const s of steps) {
    if ('together' in s && s.together && out.length > 0 && !('tick' in out[out.length - 1]![0]!))
      out[out.length - 1]!.push(s);
    else out.push([s]);
  }
  return out;
}
const tick: fc.Arbitrary<Step> = fc.record({ tick: fc.constantFrom(1, 61, 121, 3601, 86_401, 8 * 86_400) });

/**
 * An operation's variables: all plausible (to reach deep code), all hostile, or plausible but for one hostile
 * argument (deep code with one bad value, the likeliest way to find the check that is missing).
 */
const argsOf = (op: Operation, mode: Mode) =>
  fc.record(Object.fromEntries(op.args.map((a) => [a.name, valueOf(a.type, a.name, mode)]))) as fc.Arbitrary<
    Record<string, Val>
  >;

function varsOf(op: Operation): fc.Arbitrary<Record<string, Val>> {
  const record = (mode: Mode) => argsOf(op, mode);
  if (op.args.length === 0) return fc.constant({});
  return fc.oneof(
    { weight: 1, arbitrary: record('plausible') },
    { weight: 1, arbitrary: record('hostile') },
    {
      weight: 3,
      arbitrary: fc
        .tuple(record('plausible'), record('hostile'), fc.nat(op.args.length - 1))
        .map(([plausible, hostile, i]) => ({ ...plausible, [op.args[i]!.name]: hostile[op.args[i]!.name]! })),
    },
  );
}

function genericCall(op: Operation): fc.Arbitrary<Call> {
  return fc.record({
    op: fc.constant(op.field),
    as: fc.constantFrom<User>('alice', 'alice', 'alice', 'bob', 'carol', 'dave', '__proto__', 'constructor'),
    depth: fc.nat(op.documents.length - 1),
    vars: varsOf(op),
    together: oneIn(4),
  });
}

// ---- calls that fit: the success paths ----
//
// Plausible arguments one by one rarely succeed where success needs them to fit together and with the caller: the
// owner of that group, the application that waits, a draft or a message of the caller's own, an upload of theirs.
// For those operations half the calls are made to fit: a caller and fixture ids that do (as the fixture makes them;
// the run's earlier calls may have changed that since: a quit, a transfer, a revoke, a clock past a draft's life),
// the calls that make what they need just before (a draft to send or append, an application to answer), the other
// arguments plausible; and one in three of them with one argument, or the caller, hostile after all.

type GroupRef = (typeof GROUP_REFS)[number];
type MessageRef = (typeof MESSAGE_REFS)[number];

/** The fixture's groups as it makes them: owner, admins (role 300), members (200); a Work group has no admins and
 *  mutes no one, an AVChatRoom changes no owner. (A Map: "hasOwnProperty" is one of the groupIDs.) */
const GROUPS = new Map<GroupRef, { type: string; owner: User; admins: readonly User[]; members: readonly User[] }>([
  ['work', { type: 'Work', owner: 'alice', admins: [], members: ['bob', 'carol', '__proto__'] }],
  ['pub', { type: 'Public', owner: 'alice', admins: ['bob'], members: ['carol', 'constructor'] }],
  ['outside', { type: 'Public', owner: 'carol', admins: [], members: ['dave'] }],
  ['comm', { type: 'Community', owner: 'bob', admins: [], members: ['alice'] }],
  ['room', { type: 'AVChatRoom', owner: 'bob', admins: [], members: ['alice'] }],
  ['hasOwnProperty', { type: 'Public', owner: '__proto__', admins: ['constructor'], members: ['alice'] }],
]);
const everyone = (g: GroupRef): User[] => {
  const { owner, admins, members } = GROUPS.get(g)!;
  return [owner, ...admins, ...members];
};
/** Each [group, user] the fixture makes a member. */
const MEMBERSHIPS = [...GROUPS.keys()].flatMap((g) => everyone(g).map((u) => [g, u] as const));

/** The fixture's sent messages (the stored ones, not revoked): sender, who sees them, their group, whether they ask
 *  for read receipts and have a text element. */
const SENT: readonly {
  ref: MessageRef;
  sender: User;
  seenBy: readonly User[];
  group?: GroupRef;
  receipt?: true;
  text?: true;
}[] = [
  { ref: 'c2c', sender: 'alice', seenBy: ['alice', 'bob'], receipt: true, text: true },
  { ref: 'c2cBack', sender: 'bob', seenBy: ['alice', 'bob'], text: true },
  { ref: 'groupMsg', sender: 'alice', seenBy: everyone('work'), group: 'work', receipt: true, text: true },
  { ref: 'bobsGroupMsg', sender: 'bob', seenBy: everyone('pub'), group: 'pub', receipt: true, text: true },
  { ref: 'targeted', sender: 'alice', seenBy: ['alice', 'bob'], group: 'work', receipt: true, text: true },
  { ref: 'foreignTargeted', sender: 'carol', seenBy: ['carol', 'dave'], group: 'outside', text: true },
  { ref: 'foreignC2C', sender: 'carol', seenBy: ['carol', 'dave'], text: true },
  { ref: 'merger', sender: 'alice', seenBy: everyone('work'), group: 'work' },
  { ref: 'imageMsg', sender: 'alice', seenBy: everyone('work'), group: 'work' },
  {
    ref: 'protoMsg',
    sender: '__proto__',
    seenBy: ['__proto__', 'alice', 'constructor'],
    group: 'hasOwnProperty',
    receipt: true,
    text: true,
  },
  { ref: 'protoC2C', sender: 'constructor', seenBy: ['constructor', '__proto__'], text: true },
];
const seenBy = (u: User) => SENT.filter((m) => m.seenBy.includes(u)).map((m) => m.ref);

/** The unsent drafts the fixture makes, by owner. */
const DRAFTS = new Map<User, readonly Ref[]>([
  ['alice', ['draft', 'draftCustom', 'draftFace', 'draftTargeted']],
  ['bob', ['bobsDraft']],
]);
/** Each user's own uploads. */
const UPLOADS = new Map<User, readonly Ref[]>([
  ['alice', ['uuidImage', 'uuidFile', 'uuidSound', 'uuidVideo']],
  ['bob', ['bobsUuid']],
]);

/** A call made just before the one that fits, for what it needs. */
interface Prep {
  op: string;
  as: User;
  vars: Record<string, Val>;
}
/** A call that fits: its caller, the arguments that must fit (an input object's field as "arg.field"; the others are
 *  plausible), and the calls that prepare it. */
interface Fit {
  as: User;
  args: Record<string, Val>;
  before?: Prep[];
}

const r = ($ref: Ref): Val => ({ $ref });
const anyOf = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const anyUser = anyOf(USERS);

/** A draft of `as`'s own: made just before (the run's lastId), or one of the fixture's. */
const ownDraft = (as: User): fc.Arbitrary<{ id: Val; before: Prep[] }> =>
  fc.oneof(
    {
      weight: 2,
      arbitrary: fc.constant<{ id: Val; before: Prep[] }>({
        id: r('lastId'),
        before: [{ op: 'createTextMessage', as, vars: { text: 'fits' } }],
      }),
    },
    ...(DRAFTS.has(as)
      ? [{ weight: 1, arbitrary: anyOf(DRAFTS.get(as)!).map((d) => ({ id: r(d), before: [] as Prep[] })) }]
      : []),
  );

/** Where a join request waits for approval (a Public group), from whom, and who may answer it. */
const APPLICATIONS = [...GROUPS]
  .filter(([, g]) => g.type === 'Public')
  .flatMap(([group, g]) =>
    USERS.filter((u) => !everyone(group).includes(u)).flatMap((applicant) =>
      [g.owner, ...g.admins].map((by) => ({ group, applicant, by })),
    ),
  );
const joinRequest: fc.Arbitrary<Fit> = fc
  .tuple(anyOf(APPLICATIONS), fc.boolean(), fc.constantFrom<Val>(OMIT, 0))
  .map(([{ group, applicant, by }, again, type]) => ({
    as: by,
    args: { groupID: r(group), fromUser: r(applicant), toUser: OMIT, type },
    // dave's request to pub is the fixture's; the others are made (or made again) first.
    before:
      group === 'pub' && applicant === 'dave' && !again
        ? []
        : [{ op: 'joinGroup', as: applicant, vars: { groupID: r(group), message: 'let me in' } }],
  }));
/** A plain member's invitation waits for approval in a Work group whose owner set approveOpt AUTH (1) first. */
const invitation: fc.Arbitrary<Fit> = fc
  .tuple(
    anyOf(GROUPS.get('work')!.members),
    anyOf(USERS.filter((u) => !everyone('work').includes(u))),
    fc.constantFrom<Val>(OMIT, 2),
  )
  .map(([inviter, invitee, type]): Fit => ({
    as: GROUPS.get('work')!.owner,
    args: { groupID: r('work'), fromUser: r(inviter), toUser: r(invitee), type },
    before: [
      { op: 'setGroupInfo', as: GROUPS.get('work')!.owner, vars: { info: { groupID: r('work'), approveOpt: 1 } } },
      { op: 'inviteUserToGroup', as: inviter, vars: { groupID: r('work'), userList: [r(invitee)] } },
    ],
  }));
const application = fc.oneof({ weight: 2, arbitrary: joinRequest }, { weight: 1, arbitrary: invitation });

/** An owner (or admin, with `admins`) of a group that has `rule`, and a member of a role below theirs. */
const below = (admins: boolean, rule: (type: string) => boolean) =>
  [...GROUPS]
    .filter(([, g]) => rule(g.type))
    .flatMap(([group, g]) => [
      ...[...g.admins, ...g.members].map((user) => ({ group, by: g.owner, user })),
      ...(admins ? g.admins.flatMap((by) => g.members.map((user) => ({ group, by, user }))) : []),
    ]);
const mutes = below(true, (t) => t !== 'Work');
const roles = below(false, (t) => t !== 'Work');
const transfers = below(false, (t) => t !== 'AVChatRoom');

/** An upload of the caller's own, and the operation's uuid argument it goes to. */
const reuse = (kinds: readonly Ref[], field = 'uuid'): fc.Arbitrary<Fit> =>
  anyOf([...UPLOADS].flatMap(([as, refs]) => refs.filter((x) => kinds.includes(x)).map((x) => [as, x] as const))).map(
    ([as, x]) => ({ as, args: { [field]: r(x) } }),
  );

const historyOf = (as: User, group: GroupRef) => SENT.filter((m) => m.group === group && m.seenBy.includes(as));

const FITS: Record<string, fc.Arbitrary<Fit>> = {
  acceptGroupApplication: application,
  refuseGroupApplication: application,
  appendMessage: anyOf([...DRAFTS.keys()]).chain((as) =>
    anyOf(DRAFTS.get(as)!).map((base) => ({
      as,
      args: { createMessageBaseId: r(base), createMessageAppendId: r('lastId') },
      before: [{ op: 'createTextMessage', as, vars: { text: 'appended' } }],
    })),
  ),
  // A picture, sound or video has no file name of its own to default to.
  createFileMessage: reuse(UUID_REFS).map((fit) =>
    ['uuidFile', 'bobsUuid'].includes((fit.args.uuid as { $ref: Ref }).$ref)
      ? fit
      : { ...fit, args: { ...fit.args, fileName: 'a name' } },
  ),
  createImageMessage: reuse(['uuidImage']),
  createSoundMessage: reuse(['uuidSound']),
  createVideoMessage: fc
    .tuple(
      reuse(['uuidVideo'], 'videoUUID'),
      fc.constantFrom<Val>(OMIT, r('uuidImage')),
      fc.constantFrom<Val>(OMIT, 'mp4', 'mov'),
    )
    .map(([fit, snapshotUUID, type]) => ({ ...fit, args: { ...fit.args, snapshotUUID, type } })),
  createMergerMessage: anyUser.chain((as) =>
    fc
      .subarray(seenBy(as), { minLength: 1, maxLength: Math.min(3, seenBy(as).length) })
      .map((ids) => ({ as, args: { msgIDList: ids.map(r) } })),
  ),
  createTargetedGroupMessage: anyUser.chain((as) =>
    ownDraft(as).map(({ id, before }) => ({ as, args: { id }, before })),
  ),
  sendMessage: anyUser.chain((as) =>
    fc
      .tuple(
        ownDraft(as),
        fc.oneof(
          // To someone (erin too, who never logged in), to a group of theirs, or to one member of it.
          anyOf(USER_REFS.filter((u) => u !== as)).map((u): Record<string, Val> => ({ receiver: r(u), groupID: OMIT })),
          anyOf(MEMBERSHIPS.filter(([, u]) => u === as)).map(([g]): Record<string, Val> => ({
            groupID: r(g),
            receiver: OMIT,
          })),
          anyOf(MEMBERSHIPS.filter(([, u]) => u === as)).chain(([g]) =>
            anyOf(everyone(g)).map((u): Record<string, Val> => ({ groupID: r(g), receiver: r(u) })),
          ),
        ),
      )
      .map(([{ id, before }, to]) => ({ as, args: { id, ...to }, before })),
  ),
  modifyMessage: anyOf(SENT).chain((m) =>
    fc
      .tuple(fc.constantFrom<Val>(OMIT, ...(m.text ? ['edited', 'x'] : [])), fc.constantFrom<Val>(OMIT, 0))
      .map(([text, version]) => ({
        as: m.sender,
        args: { msgID: r(m.ref), text, data: OMIT, desc: OMIT, extension: OMIT, version },
      })),
  ),
  createForwardMessage: anyUser.chain((as) => anyOf(seenBy(as)).map((m) => ({ as, args: { msgID: r(m) } }))),
  markC2CMessageAsRead: anyOf(
    SENT.filter((m) => !m.group).flatMap((m) => m.seenBy.map((as) => [as, m.seenBy.find((u) => u !== as)!] as const)),
  ).map(([as, peer]) => ({ as, args: { userID: r(peer) } })),
  login: anyOf<[User, Ref]>([
    ['alice', 'sigAlice'],
    ['bob', 'sigBob'],
  ]).map(([as, sig]) => ({ as, args: { userID: r(as), userSig: r(sig) } })),
  downloadMergerMessage: anyOf(everyone('work')).map((as) => ({ as, args: { msgID: r('merger') } })),
  getGroupMessageReadMemberList: anyOf(SENT.filter((m) => m.group && m.receipt)).map((m) => ({
    as: m.sender,
    args: { msgID: r(m.ref), nextSeq: OMIT },
  })),
  sendMessageReadReceipts: anyOf(
    SENT.filter((m) => m.receipt).flatMap((m) => m.seenBy.filter((u) => u !== m.sender).map((u) => [u, m] as const)),
  ).map(([as, m]) => ({
    as,
    // bob's two of work: one conversation.
    args: { messageIDList: as === 'bob' && m.ref === 'groupMsg' ? [r('groupMsg'), r('targeted')] : [r(m.ref)] },
  })),
  muteGroupMember: anyOf(mutes).map(({ group, by, user }) => ({
    as: by,
    args: { groupID: r(group), userID: r(user) },
  })),
  setGroupMemberRole: anyOf(roles).map(({ group, by, user }) => ({
    as: by,
    args: { groupID: r(group), userID: r(user) },
  })),
  transferGroupOwner: anyOf(transfers).map(({ group, by, user }) => ({
    as: by,
    args: { groupID: r(group), userID: r(user) },
  })),
  setGroupInfo: anyOf(
    MEMBERSHIPS.filter(
      ([g, u]) => GROUPS.get(g)!.type === 'Work' || GROUPS.get(g)!.owner === u || GROUPS.get(g)!.admins.includes(u),
    ),
  ).map(([g, as]) => ({
    as,
    // The join options and isAllMuted are the owner's and admins' of some types only: left to the hostile cases.
    args: { 'info.groupID': r(g), 'info.groupAddOpt': OMIT, 'info.approveOpt': OMIT, 'info.isAllMuted': OMIT },
  })),
  markGroupMessageAsRead: anyOf(MEMBERSHIPS).map(([g, as]) => ({ as, args: { groupID: r(g) } })),
  getGroupHistoryMessageList: anyOf(MEMBERSHIPS).chain(([g, as]) =>
    fc
      .constantFrom<Val>(OMIT, ...historyOf(as, g).map((m) => r(m.ref)))
      .map((lastMsgID) => ({ as, args: { groupID: r(g), lastMsgID } })),
  ),
  getHistoryMessageList: fc
    .oneof(
      anyOf(MEMBERSHIPS).chain(([g, as]) =>
        fc.constantFrom<Val>(OMIT, ...historyOf(as, g).map((m) => r(m.ref))).map((lastMsgID) => ({
          as,
          args: { 'option.groupID': r(g), 'option.userID': OMIT, 'option.lastMsgID': lastMsgID },
        })),
      ),
      anyUser.chain((as) =>
        anyOf(USER_REFS.filter((u) => u !== as)).map((u) => ({
          as,
          args: { 'option.userID': r(u), 'option.groupID': OMIT, 'option.lastMsgID': OMIT, 'option.lastMsgSeq': OMIT },
        })),
      ),
    )
    .map((fit) => ({ ...fit, args: { ...fit.args, 'option.getTimeBegin': OMIT, 'option.getTimePeriod': OMIT } })),
};

/** `vars` with `value` at `path` (an argument, or "arg.field" of an input object argument). */
function setAt(vars: Record<string, Val>, path: string, value: Val): Record<string, Val> {
  const [arg, field] = path.split('.') as [string, string | undefined];
  if (field === undefined) return { ...vars, [arg]: value };
  const inner = vars[arg];
  const object =
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) && !('$omit' in inner) ? inner : {};
  return { ...vars, [arg]: { ...(object as Record<string, Val>), [field]: value } };
}

/** The places one hostile value may go: the caller, the arguments, their input objects' fields. */
function spotsOf(op: Operation): { path: string; value: fc.Arbitrary<Val> }[] {
  return op.args.flatMap((a) => {
    const t = getNamedType(a.type);
    return [
      { path: a.name, value: valueOf(a.type, a.name, 'hostile') },
      ...(isInputObjectType(t)
        ? Object.values(t.getFields()).map((f) => ({
            path: `${a.name}.${f.name}`,
            value: valueOf(f.type, f.name, 'hostile'),
          }))
        : []),
    ];
  });
}

/** A call of `op` that fits (FITS), after the calls that prepare it; one in three with one hostile value. */
function fittingCalls(op: Operation, fit: fc.Arbitrary<Fit>, byName: Map<string, Operation>): fc.Arbitrary<Step[]> {
  const spots = spotsOf(op);
  const spot = fc
    .constantFrom({ path: 'as', value: anyUser as fc.Arbitrary<Val> }, ...spots)
    .chain((s) => s.value.map((value) => ({ path: s.path, value })));
  const hostile = fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: spot });
  return fc
    .tuple(fit, argsOf(op, 'plausible'), hostile, fc.nat(op.documents.length - 1), oneIn(4))
    .map(([{ as, args, before = [] }, plausible, bad, depth, together]) => {
      let vars = Object.entries(args).reduce((v, [path, x]) => setAt(v, path, x), plausible);
      let caller = as;
      if (bad?.path === 'as') caller = bad.value as User;
      else if (bad) vars = setAt(vars, bad.path, bad.value);
      const preps: Call[] = before.map((p) => {
        const prep = byName.get(p.op);
        if (!prep) throw new Error(`FITS: ${op.field} is prepared by ${p.op}, which the schema does not have`);
        // With data (its id is what the call that fits takes: lastId).
        return { op: p.op, as: p.as, depth: Math.min(1, prep.documents.length - 1), vars: p.vars, together: false };
      });
      const call: Call = { op: op.field, as: caller, depth, vars, together: false };
      const steps = [...preps, call];
      steps[0]!.together = together;
      return steps;
    });
}

/** One step or a few: a tick, a call with random arguments, or, for the operations of FITS, half the time a call
 *  that fits after those that prepare it. */
function stepsOf(ops: Operation[]): fc.Arbitrary<Step[]> {
  const byName = new Map(ops.map((o) => [o.field, o]));
  for (const name of Object.keys(FITS))
    if (!byName.has(name)) throw new Error(`FITS names ${name}, which the schema does not have`);
  const call = fc.oneof(
    ...ops.map((op) => {
      const generic = genericCall(op).map((c): Step[] => [c]);
      const fit = FITS[op.field];
      return fit ? fc.oneof(generic, fittingCalls(op, fit, byName)) : generic;
    }),
  );
  return fc.oneof({ weight: 20, arbitrary: call }, { weight: 1, arbitrary: tick.map((t) => [t]) });
}

// ---- the fixture ----

/** A file, picture, sound or video uploaded as a client does (a GraphQL multipart request to the gateway's HTTP
 *  server: the in-process calls of the fuzz cannot carry files, they reuse these by uuid). */
async function upload(
  base: string,
  user: string,
  kind: 'file' | 'image' | 'sound' | 'video',
  bytes: Buffer,
  name: string,
) {
  const query = {
    file: 'mutation($file: Upload) { createFileMessage(file: $file) { code desc data { id messageInfo { fileElem { uuid } } } } }',
    image:
      'mutation($image: Upload) { createImageMessage(image: $image) { code desc data { id messageInfo { imageElem { imageList { uuid } } } } } }',
    sound:
      'mutation($sound: Upload) { createSoundMessage(sound: $sound, duration: 3) { code desc data { id messageInfo { soundElem { uuid } } } } }',
    video:
      'mutation($video: Upload) { createVideoMessage(video: $video, duration: 3) { code desc data { id messageInfo { videoElem { videoUUID } } } } }',
  }[kind];
  const r = (await multipart(base, userSig(user), query, { [kind]: { bytes, name } })).result;
  if (r?.code !== 0) throw new Error(`fixture: upload ${name}: ${r?.code} ${r?.desc}`);
  const info = r.data.messageInfo;
  const uuid =
    info.fileElem?.uuid ?? info.soundElem?.uuid ?? info.videoElem?.videoUUID ?? info.imageElem.imageList[0].uuid;
  return { id: r.data.id as string, uuid: uuid as string };
}

const PICTURE = await png(4, 3, '#3366cc');

async function fixture(gw: TestGateway, base: string): Promise<Fixture> {
  // No prototype: fx.__proto__ is the user "__proto__"'s id, not Object.prototype.
  const fx = Object.create(null) as Fixture;
  const call = async (user: string, query: string, variables?: Record<string, unknown>) => {
    const r = await gw.call(user, query, variables);
    if (r.code !== 0) throw new Error(`fixture: ${query.slice(0, 60)}: ${r.code} ${r.desc}`);
    return r;
  };
  for (const u of USER_REFS) fx[u] = u;
  for (const u of USERS) await call(u, '{ getLoginUser { code desc data } }');
  fx.work = await group(gw, 'alice', ['bob', 'carol', '__proto__'], 'Work', 'work');
  fx.outside = await group(gw, 'carol', ['dave'], 'Public', 'outside');
  fx.comm = await group(gw, 'bob', ['alice'], 'Community', '@TGS#_comm');
  fx.pub = (
    await call(
      'alice',
      'mutation { createGroup(groupType: "Public", groupName: "pub", groupID: "pub", memberList: [{ userID: "bob", role: 300 }, { userID: "carol" }, { userID: "constructor" }]) { code desc data } }',
    )
  ).data;
  fx.room = (
    await call(
      'bob',
      'mutation { createGroup(groupType: "AVChatRoom", groupName: "room", groupID: "room") { code desc data } }',
    )
  ).data;
  fx.hasOwnProperty = (
    await call(
      '__proto__',
      'mutation { createGroup(groupType: "Public", groupName: "odd", groupID: "hasOwnProperty", memberList: [{ userID: "constructor", role: 300 }, { userID: "alice" }]) { code desc data } }',
    )
  ).data;
  await call('alice', 'mutation { joinGroup(groupID: "room") { code desc } }');
  await call('dave', 'mutation { joinGroup(groupID: "pub", message: "let me in") { code desc } }'); // waits for approval

  const draft = async (user: string, text: string) => (await call(user, CREATE_TEXT, { text })).data.id as string;
  const send = async (user: string, id: string, to: Record<string, unknown>) =>
    (await call(user, SEND, { id, ...to })).data.msgID as string;
  const targeted = async (user: string, text: string, receiverList: string[]) =>
    (await call(user, CREATE_TARGETED, { id: await draft(user, text), receiverList })).data.id as string;

  fx.sentDraft = await draft('alice', 'to bob');
  fx.c2c = await send('alice', fx.sentDraft, { receiver: 'bob', needReadReceipt: true });
  fx.c2cBack = await send('bob', await draft('bob', 'to alice'), { receiver: 'alice' });
  fx.groupMsg = await send('alice', await draft('alice', 'work news'), { groupID: 'work', needReadReceipt: true });
  fx.bobsGroupMsg = await send('bob', await draft('bob', 'pub news'), { groupID: 'pub', needReadReceipt: true });
  fx.targeted = await send('alice', await targeted('alice', 'for bob', ['bob']), {
    groupID: 'work',
    needReadReceipt: true,
  });
  fx.foreignTargeted = await send('carol', await targeted('carol', 'for dave', ['dave']), { groupID: 'outside' });
  fx.foreignC2C = await send('carol', await draft('carol', 'to dave'), { receiver: 'dave' });
  fx.roomMsg = await send('bob', await draft('bob', 'live'), { groupID: 'room' });
  fx.protoMsg = await send('__proto__', await targeted('__proto__', 'odd', ['alice', 'constructor']), {
    groupID: 'hasOwnProperty',
    needReadReceipt: true,
  });
  fx.protoC2C = await send('constructor', await draft('constructor', 'hi'), { receiver: '__proto__' });
  await send('__proto__', await draft('__proto__', 'hi'), { receiver: 'alice' });
  fx.revoked = await send('alice', await draft('alice', 'oops'), { groupID: 'pub' });
  await call('alice', 'mutation($m: String!) { revokeMessage(msgID: $m) { code desc } }', { m: fx.revoked });
  const merger = await call(
    'alice',
    'mutation($ids: [String!]!) { createMergerMessage(msgIDList: $ids, title: "t", abstractList: ["a"], compatibleText: "c") { code desc data { id } } }',
    { ids: [fx.c2c, fx.groupMsg] },
  );
  fx.merger = await send('alice', merger.data.id, { groupID: 'work' });
  await call('bob', 'mutation($m: String!) { addMessageReaction(msgID: $m, reactionID: "like") { code desc } }', {
    m: fx.groupMsg,
  });
  await call('bob', 'mutation($m: [String!]!) { sendMessageReadReceipts(messageIDList: $m) { code desc } }', {
    m: [fx.groupMsg],
  });

  const image = await upload(base, 'alice', 'image', PICTURE, 'a.png');
  fx.uuidImage = image.uuid;
  fx.imageMsg = await send('alice', image.id, { groupID: 'work' });
  fx.uuidFile = (await upload(base, 'alice', 'file', Buffer.from('notes'), 'notes.txt')).uuid;
  fx.uuidSound = (await upload(base, 'alice', 'sound', wav(1024), 'a.wav')).uuid;
  fx.uuidVideo = (await upload(base, 'alice', 'video', mp4(2048), 'a.mp4')).uuid;
  fx.bobsUuid = (await upload(base, 'bob', 'file', Buffer.from('bob notes'), 'bob.txt')).uuid;

  fx.draft = await draft('alice', 'unsent');
  fx.draftCustom = (
    await call('alice', 'mutation { createCustomMessage(data: "d", desc: "c") { code desc data { id } } }')
  ).data.id;
  fx.draftFace = (
    await call('alice', 'mutation { createFaceMessage(index: 1, data: "f") { code desc data { id } } }')
  ).data.id;
  fx.draftTargeted = await targeted('alice', 'unsent for bob', ['bob']);
  fx.bobsDraft = await draft('bob', 'bob unsent');

  fx.convBob = 'c2c_bob';
  fx.convWork = 'group_work';
  fx.convOutside = 'group_outside';
  fx.convSelf = 'c2c_alice';
  fx.convDave = 'c2c_dave';
  fx.convPub = 'group_pub';
  fx.convProto = 'c2c___proto__';
  fx.convOdd = 'group_hasOwnProperty';
  fx.convNext = (await call('alice', '{ getConversationList(count: 1) { code desc data { nextSeq } } }')).data.nextSeq;
  fx.memberNext = (
    await call('alice', '{ getGroupMemberList(groupID: "work", count: 1) { code desc data { nextSeq } } }')
  ).data.nextSeq;
  fx.lastId = fx.draft;
  fx.lastMsg = fx.c2c;
  fx.sigAlice = userSig('alice');
  fx.sigBob = userSig('bob');
  fx.sigExpired = userSig('alice', -10);
  return fx;
}

/** That the fixture is what GROUPS and SENT say (else the calls of FITS would fit nothing): asked once, of the first
 *  run's fixture. */
async function checkFacts(gw: TestGateway, fx: Fixture): Promise<void> {
  const ROLE = { V2TIM_GROUP_MEMBER_ROLE_OWNER: 'owner', V2TIM_GROUP_MEMBER_ROLE_ADMIN: 'admin' } as Record<
    string,
    string
  >;
  for (const [group, g] of GROUPS) {
    const r = await gw.call(
      g.owner,
      'query($g: String!) { getGroupMemberList(groupID: $g, count: 100) { code desc data { memberInfoList { userID role } } } }',
      { g: fx[group] },
    );
    const roles = Object.fromEntries(
      (r.data.memberInfoList as { userID: string; role: string }[]).map((m) => [m.userID, ROLE[m.role] ?? 'member']),
    );
    expect(roles, `GROUPS: the members of ${group}`).toEqual(
      Object.fromEntries([
        [g.owner, 'owner'],
        ...g.admins.map((u) => [u, 'admin']),
        ...g.members.map((u) => [u, 'member']),
      ]),
    );
  }
  for (const u of USERS) {
    const r = await gw.call(
      u,
      'query($m: [String!]!) { findMessages(messageIDList: $m) { code desc data { msgID } } }',
      {
        m: SENT.map((m) => fx[m.ref]),
      },
    );
    expect((r.data as { msgID: string }[]).map((m) => m.msgID).sort(), `SENT: the messages ${u} sees`).toEqual(
      seenBy(u)
        .map((m) => fx[m])
        .sort(),
    );
  }
}

// ---- what a call stored (SQLite) ----

/** Refusals that change state by design: an application to a group one is already in is closed. */
const WRITES_WHEN_REFUSED = new Set(['acceptGroupApplication 10013']);

interface Tables {
  /** Every row of every table, one JSON text per table. */
  snapshot(): string;
  close(): void;
}

function openTables(path: string): Tables {
  const db = new Database(path, { readonly: true });
  const names = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
      name: string;
    }[]
  ).map((t) => t.name);
  const reads = names.map((n) => [n, db.prepare(`SELECT * FROM "${n}"`)] as const);
  return {
    snapshot: () => JSON.stringify(Object.fromEntries(reads.map(([n, r]) => [n, r.all()]))),
    close: () => db.close(),
  };
}

/** The rows that differ between two snapshots, per table. */
function diff(before: string, after: string): string[] {
  const a = JSON.parse(before) as Record<string, unknown[]>;
  const b = JSON.parse(after) as Record<string, unknown[]>;
  const out: string[] = [];
  for (const t of Object.keys(b)) {
    const was = new Set(a[t]!.map((r) => JSON.stringify(r)));
    const now = new Set(b[t]!.map((r) => JSON.stringify(r)));
    for (const r of now) if (!was.has(r)) out.push(`${t} + ${r}`);
    for (const r of was) if (!now.has(r)) out.push(`${t} - ${r}`);
  }
  return out;
}

// ---- someone else's ids ----

/** Ids only some users may see, and who: the rest must find them exactly as if they did not exist. (A Map: refs
 *  include "constructor" and "hasOwnProperty", which an object literal would answer from its prototype.) */
const PRIVATE = new Map<Ref, readonly User[]>([
  ['foreignC2C', ['carol', 'dave']],
  ['foreignTargeted', ['carol', 'dave']],
  ['protoC2C', ['constructor', '__proto__']],
  ['bobsDraft', ['bob']],
  ['bobsUuid', ['bob']],
]);

/** The private refs among `vars` that `user` may not see, each where an id of its kind goes (by the argument's name);
 *  none when one of them is also elsewhere, edited or in free text (the unknown twin would change that too, and the
 *  two answers could differ by design: a kick's reason is stored as sent). */
function privateRefs(vars: Record<string, Val>, user: User): Ref[] {
  const out = new Set<Ref>();
  const elsewhere = new Set<Ref>();
  const walk = (x: Val, name: string) => {
    if (x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach((y) => walk(y, name));
    if ('$ref' in x) {
      const r = x.$ref as Ref;
      const who = PRIVATE.get(r);
      if (who && !who.includes(user)) (!x.edit && hinted(name).includes(r) ? out : elsewhere).add(r);
      return;
    }
    for (const [k, y] of Object.entries(x)) walk(y as Val, k);
  };
  for (const [name, v] of Object.entries(vars)) walk(v, name);
  return [...out].some((r) => elsewhere.has(r)) ? [] : [...out];
}

/** An id of the same shape that was never made: its random part replaced (the nth of a call's by the nth letter, so
 *  that two stay two), its prefix and length kept. */
const unknownLike = (id: string, n: number) =>
  id.replace(
    /(^[^-]*-)?(.*)$/,
    (_m, prefix: string | undefined, rest: string) => `${prefix ?? ''}${'ABCDEFGH'[n]!.repeat(rest.length)}`,
  );

function unknownIn(fx: Fixture, refs: Ref[]): Fixture {
  const twin = Object.assign(Object.create(null), fx) as Fixture;
  // lastId and lastMsg may be one of them too (bob's call answered bobsDraft): the same unknown id there.
  refs.forEach((r, n) => {
    for (const k of ALL_REFS) if (fx[k] === fx[r]) twin[k] = unknownLike(fx[r], n);
  });
  return twin;
}

/** What an answer shows, with the ids of `ids` as <id>: code and desc (and a query's data, which is read only). */
function seenAs(op: Operation, res: GqlResult, ids: string[]): unknown {
  const r = res.body.data?.[op.field] as { code: number; desc: string; data?: unknown } | undefined;
  if (!r) return res.body.errors?.map((e) => e.message);
  let text = JSON.stringify(op.kind === 'query' ? r : { code: r.code, desc: r.desc });
  for (const id of ids) text = text.split(JSON.stringify(id).slice(1, -1)).join('<id>');
  return JSON.parse(text);
}

// ---- the property ----

const KNOWN_CODES = new Set<number>(Object.values(Code));
/** What a desc must never show: storage or runtime internals. */
const LEAK =
  /SQLITE_|sqlite|postgres|violates|constraint|syntax error|TypeError|ReferenceError|\bat \S+\.ts:|undefined is not|Cannot read prop/i;

function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (a hang): ${what()}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The codes that refuse an argument's value: their desc names the argument (or the value). */
const PARAMETER_CODES = new Set<number>([
  Code.INVALID_PARAMETERS,
  Code.GROUP_INVALID_PARAMETERS,
  Code.INVALID_GROUP_ID,
  Code.INVALID_USER_ID,
  Code.MESSAGE_TOO_LONG,
  Code.INVALID_MSG_ELEM,
  Code.INVALID_RECEIVER,
  Code.IMAGE_UPLOAD_FAILED_NOT_IMAGE,
  Code.MSG_BODY_SIZE_LIMIT,
]);

/** Whether `desc` names one of the operation's arguments or input fields, or one of the values sent. */
function namesInput(desc: string, op: Operation, vars: Record<string, unknown>): boolean {
  if (op.names.some((n) => new RegExp(`\\b${n}\\b`).test(desc))) return true;
  const values: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') values.push(`"${v.slice(0, 40)}`, ...(v.length >= 3 ? [v.slice(0, 40)] : []));
    else if (typeof v === 'number') values.push(String(v));
    else if (Array.isArray(v)) v.slice(0, 100).forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(vars);
  return values.some((v) => desc.includes(v));
}

const MAX_BODY_BYTES = testConfig().limits.maxBodyBytes;
const bodyBytes = (op: Operation, call: Call, variables: Record<string, unknown>) =>
  Buffer.byteLength(JSON.stringify({ query: op.documents[call.depth], variables }));

/** FUZZ_STATS=1: how often each operation answered each code (or a GraphQL error), to see how deep the calls get. */
const STATS = new Map<string, Map<string, number>>();
function count(op: Operation, bad: boolean, res: GqlResult): void {
  const code = bad || res.body.errors ? 'error' : String((res.body.data?.[op.field] as { code: number }).code);
  const codes = STATS.get(op.field) ?? new Map<string, number>();
  STATS.set(op.field, codes.set(code, (codes.get(code) ?? 0) + 1));
}
const stats = () =>
  [...STATS]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, codes]) => `${op.padEnd(36)} ${[...codes].map(([c, n]) => `${c}: ${n}`).join(', ')}`)
    .join('\n');

/** Asserts that `res` is a clear answer to `call` (see the header). */
function expectClearAnswer(op: Operation, call: Call, vars: Record<string, unknown>, bad: boolean, res: GqlResult) {
  const where = `${op.field} as ${call.as} with ${show(vars)}`;
  const { status, body } = res;
  expect(status, where).toBeLessThan(500);
  const errors = body.errors ?? [];
  for (const e of errors) {
    expect(e.message, where).not.toBe('Unexpected error.');
    expect(e.extensions?.code, where).not.toBe('INTERNAL_SERVER_ERROR');
  }
  // A body over the limit (1000 strings of 10k) is refused whole, as the HTTP server's own limit does: 413.
  if (status === 413 && bodyBytes(op, call, vars) > MAX_BODY_BYTES) {
    expect(errors.map((e) => e.extensions?.code)).toEqual(['REQUEST_ENTITY_TOO_LARGE']);
    return;
  }
  if (bad) {
    // A value of the wrong type: refused before any resolver ran, naming the variable.
    expect(body.data ?? null, where).toBeNull();
    expect(errors[0]?.message, where).toMatch(/\$\w+/);
    const named = errors[0]!.message.match(/\$(\w+)/)![1]!;
    expect(
      op.args.map((a) => a.name),
      where,
    ).toContain(named);
    return;
  }
  expect(errors, where).toEqual([]);
  const r = (body.data as Record<string, { code: unknown; desc: unknown; data?: unknown }>)[op.field]!;
  expect(Number.isInteger(r.code) && KNOWN_CODES.has(r.code as number), `${where}: code ${r.code}`).toBe(true);
  expect(typeof r.desc, where).toBe('string');
  if (r.code !== 0) expect((r.desc as string).trim(), `${where}: code ${r.code} with an empty desc`).not.toBe('');
  expect(r.desc as string, where).not.toMatch(LEAK);
  if (PARAMETER_CODES.has(r.code as number))
    expect(namesInput(r.desc as string, op, vars), `${where}: ${r.code} "${r.desc}" names no argument nor value`).toBe(
      true,
    );
  if (r.code === 0 && op.selectsData[call.depth]) expect(r.data, `${where}: code 0 without data`).not.toBeNull();
}

for (const backend of gateways)
  (backend.enabled ? describe : describe.skip)(backend.name, () => {
    const runs = RUNS[backend.name as keyof typeof RUNS];
    const msPerCall = MS_PER_CALL[backend.name as keyof typeof MS_PER_CALL];

    it(
      `when ${runs} runs of random calls with hostile arguments reach every query and mutation, then each gets a clear answer and the gateway stays up`,
      async () => {
        // The schema as the gateway serves it.
        const probe = backend.create();
        let schema: GraphQLSchema;
        try {
          const { body } = await probe.gql('alice', getIntrospectionQuery());
          schema = buildClientSchema(body.data as IntrospectionQuery);
        } finally {
          await probe.app.stop();
        }
        const ops = operationsOf(schema);
        let factsChecked = false;
        const byName = new Map(ops.map((o) => [o.field, o]));

        const steps = fc
          .array(stepsOf(ops), { minLength: 1, maxLength: STEPS_PER_RUN, size: 'medium' })
          .map((groups) => groups.flat());
        await fc.assert(
          fc.asyncProperty(steps, async (steps) => {
            const logged: string[] = [];
            const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
            const store = MEDIA_STORE[backend.name as keyof typeof MEDIA_STORE];
            const dir = store === 'disk' ? mkdtempSync(join(tmpdir(), 'im-fuzz-media-')) : '';
            const config = testConfig();
            // SQLite in a file beside the media, so that a second connection sees what each call stored.
            const databaseUrl = store === 'disk' ? join(dir, 'im.db') : config.databaseUrl;
            const gw = backend.create({
              config: { ...config, databaseUrl, media: { ...config.media, store, dir } },
              logger,
            });
            let tables: Tables | null = null;
            try {
              // Listening, for the uploads of the fixture (only the HTTP server takes multipart requests).
              const fx = await fixture(gw, `http://127.0.0.1:${await gw.app.start(0, '127.0.0.1')}`);
              if (!factsChecked) {
                await checkFacts(gw, fx);
                factsChecked = true;
              }
              if (store === 'disk') tables = openTables(databaseUrl);
              let before = tables?.snapshot();
              /** Runs one step and checks its answer; says what it was when it was refused. */
              const one = async (call: Step, alone: boolean): Promise<string | null> => {
                if ('tick' in call) {
                  gw.clock.now += call.tick;
                  return null;
                }
                const op = byName.get(call.op)!;
                const bad = { found: false };
                const vars = resolve(call.vars as Val, fx, bad) as Record<string, unknown>;
                const what = () => `${op.field} as ${call.as} with ${show(vars)}`;
                const ask = (variables: Record<string, unknown>) =>
                  withTimeout(gw.gql(call.as, op.documents[call.depth]!, variables), msPerCall, what);
                // Someone else's id reads exactly like one that never existed: the same call with an unknown id of
                // the same shape (asked first, so that both see the same state) answers the same.
                const hidden = alone && !bad.found ? privateRefs(call.vars, call.as) : [];
                const twin =
                  hidden.length > 0
                    ? await ask(resolve(call.vars as Val, unknownIn(fx, hidden), bad) as Record<string, unknown>)
                    : null;
                const res = await ask(vars);
                // An unknown id that a mutation took changed what the real call met: nothing to compare.
                const twinWrote =
                  twin !== null &&
                  op.kind === 'mutation' &&
                  (twin.body.data?.[op.field] as { code?: number })?.code === 0;
                if (twin && !twinWrote) {
                  const unknown = seenAs(
                    op,
                    twin,
                    hidden.map((r, n) => unknownLike(fx[r], n)),
                  );
                  const theirs = seenAs(
                    op,
                    res,
                    hidden.map((r) => fx[r]),
                  );
                  expect(theirs, `${what()}: someone else's ${hidden.join(', ')} reads unlike an unknown id`).toEqual(
                    unknown,
                  );
                }
                count(op, bad.found, res);
                expectClearAnswer(op, call, vars, bad.found, res);
                const data = (res.body.data?.[op.field] as { data?: { id?: unknown; msgID?: unknown } } | undefined)
                  ?.data;
                if (typeof data?.id === 'string') fx.lastId = data.id;
                if (typeof data?.msgID === 'string') fx.lastMsg = data.msgID;
                expect(logged, `logged at error level after ${what()}`).toEqual([]);
                const code = bad.found ? null : (res.body.data?.[op.field] as { code: number } | undefined)?.code;
                return code != null && code !== 0 && !twinWrote && !WRITES_WHEN_REFUSED.has(`${op.field} ${code}`)
                  ? `${what()}: ${code}`
                  : null;
              };
              for (const batch of batches(steps)) {
                const codes = await Promise.all(batch.map((s) => one(s, batch.length === 1)));
                // A refused call stores nothing (alone in its batch, so nothing else ran meanwhile).
                const after = tables?.snapshot();
                const [refused] = codes;
                if (batch.length === 1 && refused && after !== before)
                  expect(diff(before!, after!), `stored by a refused call: ${refused}`).toEqual([]);
                before = after;
                // Still up: a plain query answers as before.
                const health = await withTimeout(
                  gw.gql('alice', '{ getLoginUser { code desc data } }'),
                  msPerCall,
                  () => 'the health query after a batch',
                );
                expect(health.body.data?.getLoginUser, 'the health query after a batch').toEqual({
                  code: 0,
                  desc: 'ok',
                  data: 'alice',
                });
              }
            } finally {
              tables?.close();
              await gw.app.stop();
              if (dir) rmSync(dir, { recursive: true, force: true });
            }
          }),
          {
            numRuns: runs,
            ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH } : {}),
          },
        );
      },
      60_000 + runs * STEPS_PER_RUN * msPerCall,
    );
    afterAll(() => {
      if (process.env.FUZZ_STATS) console.log(`${backend.name}: the codes each operation answered\n${stats()}`);
      STATS.clear(); // each store's own
    });
  });
