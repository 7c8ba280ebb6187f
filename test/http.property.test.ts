// Raw HTTP requests, random and hostile, sent byte for byte (no client normalises them): every route's method,
// request targets that are no URL ("//", "/\", "//["), media paths with forged or missing signature parameters,
// query strings with broken percent-encoding, bodies of the wrong type, shape or encoding, odd Content-Types, Range
// and Authorization headers, one to three at once. Each request must get a status line in time, below 500, with no
// stack trace or file path of the server's in what comes with it; nothing may be logged at error level, and the
// gateway must still answer afterwards. (test/fuzz.property.test.ts fuzzes the GraphQL operations,
// test/upload.property.test.ts the multipart upload request.) It found "//" ending the process, and a query that
// does not parse answered 500 with a stack trace on /graphql/stream.
// FUZZ_RUNS explores longer; a failure prints the request, the seed and the path: FUZZ_SEED=… FUZZ_PATH=… replays it.
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userSig } from './helpers/app';
import { startLive, type LiveGateway } from './helpers/live';
import { rawAnswer } from './helpers/raw-http';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const MS_PER_REQUEST = 10_000;

const PATHS = [
  '/graphql',
  '/health',
  '/ready',
  '/',
  '//',
  '///',
  '//[',
  '/\\',
  '//graphql',
  '/graphql/',
  '/graphql/stream',
  '/media/',
  '/media/AAAAAAAAAAAAAAAAAAAAAAAA',
  '/media/../graphql',
  '/media/%zz',
  '/%',
  '/graphiql',
  '/demo',
  '/demo/main.js',
  '*',
  'http://127.0.0.1/graphql',
];
const QUERIES = [
  '',
  '?query={__typename}',
  '?query=%7B__typename%7D',
  '?query=%',
  '?query=query%20%7B%20getLoginUser%20%7B%20code%20%7D%20%7D',
  '?query=mutation{createTextMessage(text:"x"){code}}',
  '?r=&u=&e=1&s=',
  '?r=x&u=alice&e=99999999999&s=AAAA',
  '?userSig=x',
  '?token=x',
  '?a=%zz&&=&',
];
const BODIES = [
  '',
  '{}',
  'null',
  '[]',
  '"x"',
  '{"query":1}',
  '{"query":"{ __typename }"}',
  '{"query":"{ getLoginUser { code desc data } }"}',
  '{"query":"mutation { createTextMessage(text: \\"hi\\") { code desc } }"}',
  '{"query":"subscription { onTotalUnreadMessageCountChanged }"}',
  '[{"query":"{ __typename }"},{"query":"{ __typename }"}]',
  '{"query":"{ __typename }","variables":"x"}',
  '{"query":"{ __typename }","extensions":{"persistedQuery":{"version":1}}}',
  'query { __typename }',
  '{"query":"{',
];
const HEADERS = {
  contentType: [
    null,
    'application/json',
    'application/json; charset=latin1',
    'application/graphql',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data',
    'multipart/form-data; boundary=',
    'multipart/form-data; boundary=x',
  ],
  authorization: [null, 'alice', 'Bearer', 'Bearer x', 'Basic YWxpY2U6eA==', 'alice alice'],
  accept: [null, 'application/json', 'text/event-stream', 'application/graphql-response+json', 'text/html', '*/*'],
  range: [null, 'bytes=0-', 'bytes=x', 'bytes=5-1', 'bytes=-0', 'bytes=0-1,2-3'],
  origin: [null, 'http://evil.example', 'null'],
};

interface Req {
  method: string;
  target: string;
  body: string | number[];
  headers: { [K in keyof typeof HEADERS]: string | null };
}

const pick = <T>(list: readonly T[]) => fc.constantFrom(...list);
const request: fc.Arbitrary<Req> = fc.record({
  method: pick(['GET', 'GET', 'POST', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']),
  target: fc.tuple(pick(PATHS), pick(QUERIES)).map(([p, q]) => (p === '*' ? p : `${p}${q}`)),
  body: fc.oneof(
    { weight: 6, arbitrary: pick(BODIES) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }) },
  ),
  headers: fc.record({
    contentType: pick(HEADERS.contentType),
    authorization: pick(HEADERS.authorization),
    accept: pick(HEADERS.accept),
    range: pick(HEADERS.range),
    origin: pick(HEADERS.origin),
  }),
});

/** The request's bytes: the target and headers as given, the body with its length. */
function bytesOf(r: Req): Buffer {
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : Buffer.from(r.body);
  const h = r.headers;
  const lines = [
    `${r.method} ${r.target} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...(h.contentType ? [`Content-Type: ${h.contentType}`] : []),
    ...(h.authorization === 'alice'
      ? [`Authorization: Bearer ${userSig('alice')}`]
      : h.authorization
        ? [`Authorization: ${h.authorization}`]
        : []),
    ...(h.accept ? [`Accept: ${h.accept}`] : []),
    ...(h.range ? [`Range: ${h.range}`] : []),
    ...(h.origin ? [`Origin: ${h.origin}`] : []),
    ...(body.length > 0 || r.method === 'POST' ? [`Content-Length: ${body.length}`] : []),
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]);
}

describe('raw HTTP requests', () => {
  let live: LiveGateway;
  const logged: string[] = [];
  beforeAll(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    live = await startLive({ logger });
  });
  afterAll(() => live?.stop());

  it(`when ${RUNS} runs of one to three hostile raw HTTP requests at once arrive, then each is answered below 500 and the gateway stays up`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 3 }), async (requests) => {
        const answers = await Promise.all(requests.map((r) => rawAnswer(live.port, bytesOf(r), MS_PER_REQUEST)));
        requests.forEach((r, i) => {
          const answer = answers[i]!;
          const what = `${JSON.stringify(answer).slice(0, 600)} for ${JSON.stringify(r)}`;
          expect(typeof answer !== 'string' && answer.status < 500, what).toBe(true);
          // Nothing of the server's insides: no stack trace, no path of its files.
          expect(typeof answer !== 'string' && /node_modules|\n\s+at .+:\d+:\d+/.test(answer.text), what).toBe(false);
        });
        expect(logged, `logged at error level after ${JSON.stringify(requests)}`).toEqual([]);
        expect(await live.gw.call('alice', '{ getLoginUser { code desc data } }')).toMatchObject({ code: 0 });
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
        path: process.env.FUZZ_PATH,
      },
    );
  }, 600_000);
});
