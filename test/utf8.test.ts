// Text is validated as UTF-8 on the way in (SECURITY.md §4): invalid bytes are refused naming the field, never
// stored as U+FFFD; valid text, U+FFFD itself included, is stored byte for byte.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestGateway, userSig, type TestGateway } from './helpers/app';
import { RawClient } from './helpers/raw-ws';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function started(): Promise<{ gw: TestGateway; port: number }> {
  const gw = createTestGateway();
  cleanup.push(() => gw.app.stop());
  return { gw, port: await gw.app.start(0, '127.0.0.1') };
}

const CREATE =
  'mutation($text: String!) { createTextMessage(text: $text) { code desc data { id messageInfo { textElem { text } } } } }';

/** A JSON body whose variables.text is `text` bytes spliced in raw. */
const bodyWith = (text: Buffer) => {
  const [head, tail] = JSON.stringify({ query: CREATE, variables: { text: '\u0000' } }).split('\\u0000');
  return Buffer.concat([Buffer.from(head!), text, Buffer.from(tail!)]);
};

async function post(port: number, body: Buffer) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig('alice')}` },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('UTF-8 over HTTP', () => {
  it('when a text holds the bytes ff fe c3, then the request is refused with 400 and imCode 6017 naming variables.text, and the operation does not run', async () => {
    const { gw, port } = await started();
    const refused = await post(port, bodyWith(Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x62])));
    expect(refused.status).toBe(400);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors[0].message).toContain('variables.text is not valid UTF-8');
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', imCode: 6017 });
  });

  it('when a text is valid UTF-8, U+FFFD and emoji included, then it is created exactly as sent', async () => {
    const { port } = await started();
    const text = 'a\uFFFDb 😀 é';
    const ok = await post(port, bodyWith(Buffer.from(text, 'utf8')));
    expect(ok.status).toBe(200);
    expect(ok.body.data.createTextMessage.code).toBe(0);
    expect(ok.body.data.createTextMessage.data.messageInfo.textElem.text).toBe(text);
  });
});

describe('UTF-8 over graphql-ws', () => {
  it('when a text frame holds invalid UTF-8, then ws closes the socket with 1007 before anything runs; another socket is served', async () => {
    const { port } = await started();
    const bad = await RawClient.open(port, 'alice');
    cleanup.push(() => bad.dispose());
    const frame = Buffer.concat([
      Buffer.from(`{"id":"1","type":"subscribe","payload":{"query":${JSON.stringify(CREATE)},"variables":{"text":"a`),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}}}'),
    ]);
    bad.ws.send(frame, { binary: false });
    await bad.whenClosed();
    expect(bad.closed!.code).toBe(1007);
    expect(bad.framesOf('1')).toEqual([]);

    const good = await RawClient.open(port, 'alice');
    cleanup.push(() => good.dispose());
    good.subscribe('1', CREATE, { text: 'fine' });
    await good.until(() => good.framesOf('1').length > 0, 'an answer');
    expect(good.framesOf('1')[0]!.payload.data.createTextMessage.code).toBe(0);
  });
});
