// How a client uploads media: a GraphQL multipart request (operations, map, files) as apollo-upload-client sends it,
// to the gateway's HTTP server (only it takes multipart requests), which streams each file into the media store
// before the operation runs.
import { request } from 'node:http';
import sharp from 'sharp';

/** One file of a request: its bytes, its name, and the Content-Type the client claims (none by default). */
export interface Part {
  bytes: Buffer;
  name: string;
  type?: string;
}

/** Sends `query` with `files` (variable name → file) and `variables` as `sig`'s user: the status, the body and the
 *  operation's own answer (the first field of data). */
export async function upload(
  base: string,
  sig: string,
  query: string,
  files: Record<string, Part>,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; body: any; result: any }> {
  const form = new FormData();
  const names = Object.keys(files);
  form.set(
    'operations',
    JSON.stringify({ query, variables: { ...variables, ...Object.fromEntries(names.map((n) => [n, null])) } }),
  );
  form.set('map', JSON.stringify(Object.fromEntries(names.map((n, i) => [String(i), [`variables.${n}`]]))));
  names.forEach((n, i) =>
    form.set(String(i), new Blob([new Uint8Array(files[n]!.bytes)], { type: files[n]!.type ?? '' }), files[n]!.name),
  );
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sig}` },
    body: form,
  });
  const body = (await res.json()) as any;
  return { status: res.status, body, result: body.data ? Object.values(body.data)[0] : undefined };
}

/** A PNG of one colour (a real picture: sharp decodes it, the gateway makes its thumbnails). */
export const png = (width: number, height: number, background: string | object = '#36c'): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();

/** A sound file's first bytes as file-type knows them (RIFF WAVE), then filler. */
export function wav(bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 7);
  b.write('RIFF', 0);
  b.writeUInt32LE(bytes - 8, 4);
  b.write('WAVEfmt ', 8);
  return b;
}

/** A video file's first bytes as file-type knows them (an ISO MP4 ftyp box), then filler. */
export function mp4(bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 3);
  b.writeUInt32BE(24, 0);
  b.write('ftypisom', 4);
  b.writeUInt32BE(512, 12);
  b.write('isomiso2', 16);
  return b;
}

/** Starts a createFileMessage upload as `sig`'s user that sends `sent` bytes of its file and then stalls, as a slow or
 *  hostile client does; `abort()` cuts it off. */
export function stalledUpload(base: string, sig: string, query: string, sent: number) {
  const boundary = 'xSTALLEDx';
  const ops = JSON.stringify({ query, variables: { file: null } });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${ops}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="slow.bin"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
  );
  const req = request(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + sent + 1024, // more than is ever sent: the request stays open
      authorization: `Bearer ${sig}`,
    },
  });
  let answered = false;
  req.on('response', (res) => {
    answered = true;
    res.resume();
  });
  req.on('error', () => {}); // cut off by abort()
  req.write(Buffer.concat([head, Buffer.alloc(sent, 1)]));
  return { answered: () => answered, abort: () => req.destroy() };
}
