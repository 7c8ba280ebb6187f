// Multipart requests, random and hostile (test/fuzz.property.test.ts fuzzes the operations' arguments; this fuzzes
// the upload request around them, src/media/upload.ts): parts in any order, missing, repeated or unnamed; operations
// and map that are JSON of the wrong shape or no JSON; map paths to variables that are not null, not there, inherited
// from Object.prototype or inside a batch; file parts named "__proto__", with names of 300 characters, NUL or "../",
// of the wrong kind or over their limit, empty; a request cut off part way, or without a valid UserSig; two or three
// requests at once. Every answer must be a clear one: a status below 500, a known V2TIM code (imCode on a refusal,
// code in the operation's envelope), a message or desc, no masked "Unexpected error.", nothing logged at error level,
// every request answered in time. And no byte is left behind or lost: once the responses have ended, the media
// store holds exactly the blobs that drafts hold (media_refs), whatever the requests did.
// FUZZ_RUNS explores longer, FUZZ_STATS=1 prints how often each answer came (how deep the requests get); a failure
// prints the requests, the seed and the path: FUZZ_SEED=… FUZZ_PATH=… replays it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../src/codes';
import { openPostgres } from '../src/db/pg/open';
import { createPgBlobs, pgBlobCount } from '../src/media/pg-store';
import { diskBlobCount } from '../src/media/store';
import { groupRules } from '../src/resolvers/group-type';
import { testConfig, until, userSig } from './helpers/app';
import { startLive, type LiveGateway } from './helpers/live';
import { PG_URL, freshSchema } from './helpers/pg';
import { mp4, png, wav } from './helpers/upload';

if (!PG_URL) console.log('upload property: PostgreSQL half skipped: set DATABASE_URL=postgres://… to run it');

const KB = 1024;
/** Small limits, so that "over the limit" is one of the cases. */
const LIMITS = { image: 24 * KB, sound: 16 * KB, video: 24 * KB, file: 16 * KB };
const RUNS = { disk: Number(process.env.FUZZ_RUNS ?? 300), PostgreSQL: Number(process.env.FUZZ_RUNS ?? 100) };
const MS_PER_REQUEST = 10_000;
const KNOWN_CODES = new Set<number>(Object.values(Code));

const created = 'code desc data { id }';
const OPERATIONS = [
  `mutation($image: Upload) { createImageMessage(image: $image) { ${created} } }`,
  `mutation($file: Upload, $fileName: String) { createFileMessage(file: $file, fileName: $fileName) { ${created} } }`,
  `mutation($sound: Upload, $duration: Int!) { createSoundMessage(sound: $sound, duration: $duration) { ${created} } }`,
  `mutation($video: Upload, $snapshot: Upload, $duration: Int!) { createVideoMessage(video: $video, snapshot: $snapshot, duration: $duration) { ${created} } }`,
  `mutation($text: String!) { createTextMessage(text: $text) { ${created} } }`,
  'query { getLoginUser { code desc data } }',
];
const VARIABLE_NAMES = ['image', 'file', 'sound', 'video', 'snapshot', 'fileName', 'duration', 'text'] as const;
const PATHS = [
  ...VARIABLE_NAMES.map((n) => `variables.${n}`),
  'variables',
  'variables.__proto__.__proto__',
  'variables.constructor',
  'variables.file.x',
  '0.variables.file',
  '1.variables.image',
  'query',
  '',
  'variables.nope',
];
const FIELD_NAMES = ['0', '1', '2', 'x', '__proto__', 'constructor', ''];
const FILE_NAMES = [
  'a.png',
  'notes.txt',
  '',
  'x'.repeat(300),
  'a\u0000b.png',
  '../../etc/passwd',
  '名前.txt',
  '"q".png',
];

const PICTURE = await png(6, 4);
const BYTES = {
  png: PICTURE,
  text: Buffer.from('plain notes\n'),
  empty: Buffer.alloc(0),
  wav: wav(2 * KB),
  mp4: mp4(4 * KB),
  big: Buffer.concat([PICTURE, Buffer.alloc(LIMITS.image + KB, 9)]),
};

type Part =
  { field: string; value: string } | { file: string; fileName: string; type: string | null; bytes: keyof typeof BYTES };
interface Request {
  parts: Part[];
  /** Where the body is cut (a fraction of its length), or null: sent whole. */
  cut: number | null;
  auth: 'alice' | 'none' | 'garbage';
}

const variableValue = fc.constantFrom<unknown>(null, null, null, 'upload:guessed', 1, {}, [], 'hi');
const operationsValue = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        query: fc.constantFrom(...OPERATIONS),
        variables: fc.dictionary(fc.constantFrom(...VARIABLE_NAMES), variableValue, { maxKeys: 4 }),
      })
      .map((op) => JSON.stringify({ query: op.query, variables: { duration: 3, text: 'hi', ...op.variables } })),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom(...OPERATIONS), { minLength: 2, maxLength: 2 })
      .map((qs) => JSON.stringify(qs.map((query) => ({ query, variables: { file: null, image: null, duration: 3 } })))),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '"x"', '{"query":1}', '{"variables":null}') },
);
const mapValue = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .dictionary(
        fc.constantFrom(...FIELD_NAMES),
        fc.array(fc.constantFrom(...PATHS), { minLength: 1, maxLength: 2 }),
        {
          maxKeys: 3,
        },
      )
      .map((m) => JSON.stringify(m)),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '[]', 'null', '{"0":"variables.file"}', '{"0":[1]}', '{"0":[]}', '{') },
);
const filePart = fc.record({
  file: fc.constantFrom(...FIELD_NAMES),
  fileName: fc.constantFrom(...FILE_NAMES),
  type: fc.constantFrom(null, 'image/png', 'text/plain', 'application/octet-stream', 'audio/wav'),
  bytes: fc.constantFrom(...(Object.keys(BYTES) as (keyof typeof BYTES)[])),
});
/** The upload operations, each with its file variables and the bytes that fit each. */
const UPLOADS: { query: string; files: Partial<Record<(typeof VARIABLE_NAMES)[number], keyof typeof BYTES>> }[] = [
  { query: OPERATIONS[0]!, files: { image: 'png' } },
  { query: OPERATIONS[1]!, files: { file: 'text' } },
  { query: OPERATIONS[2]!, files: { sound: 'wav' } },
  { query: OPERATIONS[3]!, files: { video: 'mp4', snapshot: 'png' } },
  { query: OPERATIONS[3]!, files: { video: 'mp4' } },
];
/** A request as a client makes it (operations, map, a file for each Upload variable, of the right kind), then
 *  mostly one thing spoilt: a file's bytes, name or part name, a map path, a variable, an extra part. */
const wellFormed: fc.Arbitrary<Part[]> = fc
  .record({
    upload: fc.constantFrom(...UPLOADS),
    fileName: fc.constantFrom(...FILE_NAMES),
    spoil: fc.oneof(
      { weight: 2, arbitrary: fc.constant({ t: 'none' as const }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('bytes' as const), bytes: filePart.map((f) => f.bytes) }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('path' as const), path: fc.constantFrom(...PATHS) }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('name' as const), name: fc.constantFrom(...FIELD_NAMES) }) },
      {
        weight: 1,
        arbitrary: fc.record({ t: fc.constant('variable' as const), value: variableValue.filter((v) => v !== null) }),
      },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('extra' as const), part: filePart }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('map' as const), map: mapValue }) },
    ),
  })
  .map(({ upload, fileName, spoil }) => {
    const names = Object.keys(upload.files) as (keyof typeof upload.files)[];
    const variables: Record<string, unknown> = { duration: 3, ...Object.fromEntries(names.map((n) => [n, null])) };
    if (spoil.t === 'variable') variables[names[0]!] = spoil.value;
    const map = Object.fromEntries(
      names.map((n, i) => [String(i), [spoil.t === 'path' && i === 0 ? spoil.path : `variables.${n}`]]),
    );
    const files: Part[] = names.map((n, i) => ({
      file: spoil.t === 'name' && i === 0 ? spoil.name : String(i),
      fileName,
      type: null,
      bytes: spoil.t === 'bytes' && i === 0 ? spoil.bytes : upload.files[n]!,
    }));
    return [
      { field: 'operations', value: JSON.stringify({ query: upload.query, variables }) },
      { field: 'map', value: spoil.t === 'map' ? spoil.map : JSON.stringify(map) },
      ...files,
      ...(spoil.t === 'extra' ? [spoil.part] : []),
    ];
  });
/** Mostly a client's request with one thing wrong; else parts of random content, in order or in any order. */
const request: fc.Arbitrary<Request> = fc.record({
  parts: fc.oneof(
    { weight: 6, arbitrary: wellFormed },
    {
      weight: 2,
      arbitrary: fc
        .tuple(operationsValue, mapValue, fc.array(filePart, { maxLength: 3 }))
        .map(([operations, map, files]) => [
          { field: 'operations', value: operations },
          { field: 'map', value: map },
          ...files,
        ]),
    },
    {
      weight: 1,
      arbitrary: fc.array(
        fc.oneof(
          operationsValue.map((value) => ({ field: 'operations', value })),
          mapValue.map((value) => ({ field: 'map', value })),
          fc.constantFrom('x', '').map((field) => ({ field, value: 'stray' })),
          filePart,
        ),
        { maxLength: 6 },
      ),
    },
  ),
  cut: fc.oneof(
    { weight: 7, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  ),
  auth: fc.oneof(
    { weight: 12, arbitrary: fc.constant('alice' as const) },
    { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const) },
  ),
});

const BOUNDARY = '----im-upload-property';
const quoted = (s: string) => s.replace(/"/g, '%22');

/** The request's body as a client would write it (RFC 7578), cut where the request says. */
function bodyOf(r: Request): Buffer {
  const chunks: Buffer[] = [];
  for (const p of r.parts) {
    const head =
      'field' in p
        ? `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${quoted(p.field)}"\r\n\r\n`
        : `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${quoted(p.file)}"; filename="${quoted(p.fileName)}"\r\n` +
          (p.type ? `Content-Type: ${p.type}\r\n` : '') +
          '\r\n';
    chunks.push(Buffer.from(head), 'field' in p ? Buffer.from(p.value) : BYTES[p.bytes], Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  const body = Buffer.concat(chunks);
  return r.cut === null ? body : body.subarray(0, Math.floor(body.length * r.cut));
}

/** What a failure prints of a request: its parts without the bytes. */
const show = (r: Request) =>
  JSON.stringify({ ...r, parts: r.parts.map((p) => ('field' in p ? p : { ...p, bytes: p.bytes })) });

async function send(base: string, r: Request): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
  if (r.auth === 'alice') headers.authorization = `Bearer ${userSig('alice')}`;
  if (r.auth === 'garbage') headers.authorization = 'Bearer not-a-usersig';
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers,
    body: new Uint8Array(bodyOf(r)),
    signal: AbortSignal.timeout(MS_PER_REQUEST),
  }).catch((e: Error) => {
    throw new Error(`no answer in time to ${show(r)}: ${e.message}`);
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${res.status} with a body that is not JSON (${text.slice(0, 200)}) for ${show(r)}`);
  }
  return { status: res.status, body };
}

/** A clear answer: below 500, a known code where there is one, words where there is a refusal, nothing masked. */
function expectClearAnswer(r: Request, res: { status: number; body: any }): void {
  const where = `${res.status} ${JSON.stringify(res.body).slice(0, 400)} for ${show(r)}`;
  expect(res.status, where).toBeLessThan(500);
  for (const e of res.body.errors ?? []) {
    expect(typeof e.message === 'string' && e.message.length > 0, where).toBe(true);
    expect(e.message, where).not.toMatch(/^Unexpected error/);
    if (e.extensions?.imCode !== undefined) expect(KNOWN_CODES.has(e.extensions.imCode), where).toBe(true);
  }
  if (res.status !== 200) expect(res.body.errors?.length, where).toBeGreaterThan(0);
  for (const answer of Object.values(res.body.data ?? {}) as ({ code: number; desc: string } | null)[]) {
    if (answer === null) continue;
    expect(KNOWN_CODES.has(answer.code), where).toBe(true);
    if (answer.code !== 0) expect(answer.desc.length, where).toBeGreaterThan(0);
  }
}

/** How often each answer came (FUZZ_STATS=1 prints it: how deep the requests get). */
const answered = new Map<string, number>();
function tally(res: { status: number; body: any }): void {
  const refusal = res.body.errors?.[0]?.extensions?.imCode ?? (res.body.errors ? 'GraphQL error' : null);
  const codes = Object.values(res.body.data ?? {}).map((a: any) => a?.code);
  const key = `${res.status} ${refusal ?? codes.join(',')}`;
  answered.set(key, (answered.get(key) ?? 0) + 1);
}

const stores = [
  { name: 'disk', enabled: true },
  { name: 'PostgreSQL', enabled: PG_URL !== undefined },
] as const;

for (const mediaStore of stores)
  describe.skipIf(!mediaStore.enabled)(`multipart requests on the ${mediaStore.name} store`, () => {
    let live: LiveGateway;
    let blobs: () => Promise<number>;
    let held: () => Promise<number>;
    let close = async () => {};
    const logged: string[] = [];

    beforeAll(async () => {
      const base = testConfig();
      const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
      const config = { ...base, media: { ...base.media, maxBytes: LIMITS } };
      if (mediaStore.name === 'disk') {
        const root = mkdtempSync(join(tmpdir(), 'im-upload-property-'));
        const dir = join(root, 'media');
        // SQLite in a file (beside the media, not among it), so that a second connection reads media_refs.
        const databaseUrl = join(root, 'im.db');
        live = await startLive({
          config: { ...config, databaseUrl, media: { ...config.media, store: 'disk', dir } },
          logger,
        });
        const db = new Database(databaseUrl, { readonly: true });
        blobs = async () => diskBlobCount(dir);
        held = async () => (db.prepare('SELECT count(DISTINCT blob_id) AS n FROM media_refs').get() as { n: number }).n;
        close = async () => {
          db.close();
          rmSync(root, { recursive: true, force: true });
        };
      } else {
        const { schema, drop } = await freshSchema();
        live = await startLive({
          config,
          logger,
          store: openPostgres(PG_URL!, { schema, rules: groupRules }),
          mediaBlobs: createPgBlobs(PG_URL!, { schema, poolSize: 2 }),
        });
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        blobs = () => pgBlobCount(PG_URL!, schema);
        held = async () =>
          Number((await client.query(`SELECT count(DISTINCT blob_id) AS n FROM "${schema}".media_refs`)).rows[0].n);
        close = async () => {
          await client.end();
          await drop();
        };
      }
    });
    afterAll(async () => {
      if (process.env.FUZZ_STATS) console.log(`upload property on ${mediaStore.name}:`, Object.fromEntries(answered));
      await live?.stop();
      await close();
    });

    it(`when ${RUNS[mediaStore.name]} runs of one to three hostile multipart requests at once arrive, then each gets a clear answer and the store keeps exactly the blobs drafts hold`, async () => {
      const base = `http://127.0.0.1:${live.port}`;
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 3 }), async (requests) => {
          const answers = await Promise.all(requests.map((r) => send(base, r)));
          for (const a of answers) tally(a);
          requests.forEach((r, i) => expectClearAnswer(r, answers[i]!));
          expect(logged, `logged at error level after ${requests.map(show).join(' and ')}`).toEqual([]);
          // What no draft took goes when its response has ended: wait for that, then compare.
          let counts = { blobs: -1, held: -2 };
          await until(
            async () => {
              counts = { blobs: await blobs(), held: await held() };
              return counts.blobs === counts.held;
            },
            () =>
              `the stored blobs (${counts.blobs}) to be those drafts hold (${counts.held}) after ${requests.map(show).join(' and ')}`,
          );
          const health = await live.gw.call('alice', '{ getLoginUser { code desc data } }');
          expect(health.code).toBe(0);
        }),
        {
          numRuns: RUNS[mediaStore.name],
          endOnFailure: true,
          seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
          path: process.env.FUZZ_PATH,
        },
      );
    }, 600_000);
  });
