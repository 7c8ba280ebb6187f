// Uploads over the GraphQL multipart request spec (https://github.com/jaydenseric/graphql-multipart-request-spec):
// `operations`, then `map`, then the files. graphql-yoga reads this format natively, but into File objects held
// whole in memory (@whatwg-node collects every chunk), which ten concurrent 100 MB videos would turn into a gigabyte.
// So the gateway reads such a request itself, before yoga: each file part is streamed straight into the media store
// (with back-pressure on the socket) while its size is counted against the limit of the variable it is mapped to,
// and its first bytes are kept for the content check. The operation then runs through yoga as a JSON request whose
// Upload variables are opaque tokens naming those staged blobs (schema/media.ts, resolvers/media.ts). Whatever the
// operation did not make part of a message is deleted when the response ends; a request cut off half way deletes
// everything it wrote before answering 6008.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import type { Config } from '../config';
import type { Logger } from '../log';
import { Code } from '../codes';
import { authenticateHeader } from '../auth/viewer';
import { wwwAuthenticate } from '../schema/context';
import { newBlobId, type MediaBlobs } from './store';

/** The bytes file-type needs to recognise any format it knows. */
const HEAD_BYTES = 4100;
/** Files per request: a video and its snapshot is the most one operation takes; a few more for batches. */
const MAX_FILES = 4;

/** One file part of the request, written to the media store (or refused as too large, with nothing written). */
export interface StagedUpload {
  /** The blob holding the bytes; null when the part was over its limit (its bytes were discarded). */
  blobId: string | null;
  size: number;
  /** The first bytes, for the content check. */
  head: Buffer;
  /** The file name the client sent: shown in fileElem when no fileName is given, never used as a path. */
  fileName: string;
  tooLarge: boolean;
  limit: number;
}

/** The staged uploads of one request, found by the token that stands for each in the operation's variables. */
export class Uploads {
  private readonly byToken = new Map<string, StagedUpload>();
  private readonly claimed = new Set<string>();
  private readonly taken = new Set<string>();
  /** Blobs the operation wrote itself (thumbnails): deleted with the unclaimed uploads unless claimed. */
  private readonly derived = new Set<string>();

  add(staged: StagedUpload): string {
    const token = `upload:${randomBytes(16).toString('base64url')}`;
    this.byToken.set(token, staged);
    return token;
  }

  /** The upload a variable's value stands for, once per request (a second use of the same file is refused). */
  take(token: unknown): StagedUpload | undefined {
    if (typeof token !== 'string' || this.taken.has(token)) return undefined;
    const staged = this.byToken.get(token);
    if (staged) this.taken.add(token);
    return staged;
  }

  written(blobId: string): void {
    this.derived.add(blobId);
  }

  /** These blobs now belong to a stored draft: they outlive the request. */
  claim(blobIds: readonly string[]): void {
    for (const id of blobIds) this.claimed.add(id);
  }

  /** Every blob of this request that no draft took. */
  unclaimed(): string[] {
    const all = [...[...this.byToken.values()].map((s) => s.blobId), ...this.derived];
    return all.filter((id): id is string => id !== null && !this.claimed.has(id));
  }
}

export const isMultipart = (req: IncomingMessage) =>
  req.method === 'POST' && /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');

type Kind = keyof Config['media']['maxBytes'];

/** The limit of a file part, from the argument it is mapped to (`variables.image`, `variables.snapshot`, …). */
function limitFor(paths: string[], max: Config['media']['maxBytes']): number {
  const kinds = paths.map((p): Kind => {
    const leaf = p.split('.').pop();
    return leaf === 'image' || leaf === 'snapshot'
      ? 'image'
      : leaf === 'sound'
        ? 'sound'
        : leaf === 'video'
          ? 'video'
          : 'file';
  });
  return Math.min(...kinds.map((k) => max[k]));
}

/** map as the spec has it: each file name to a non-empty list of paths (anything else is refused when it arrives, so
 *  that a file part never meets a path that is not a string). */
const isFileMap = (v: unknown): v is Record<string, string[]> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((p) => Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string'));

/** Puts `value` at `path` (`variables.image`, `0.variables.file`, …) where operations holds null, along its own
 *  properties only: an inherited one (`variables.__proto__.__proto__` is Object.prototype's null) is no variable. */
function setPath(root: unknown, path: string, value: string): boolean {
  const keys = path.split('.');
  let node: unknown = root;
  for (const key of keys.slice(0, -1)) {
    const next = own(node, key);
    if (typeof next !== 'object' || next === null) return false;
    node = next;
  }
  const leaf = keys[keys.length - 1]!;
  if (own(node, leaf) !== null) return false; // the spec: files are null in operations
  (node as Record<string, unknown>)[leaf] = value;
  return true;
}

const own = (node: unknown, key: string): unknown =>
  typeof node === 'object' && node !== null && Object.hasOwn(node, key)
    ? (node as Record<string, unknown>)[key]
    : undefined;

class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly imCode: number,
    message: string,
  ) {
    super(message);
  }
}

function answer(
  res: ServerResponse,
  status: number,
  imCode: number,
  message: string,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return void res.end();
  const code = status === 401 ? 'UNAUTHENTICATED' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
  res
    .writeHead(status, { 'content-type': 'application/json', connection: 'close', ...headers })
    .end(JSON.stringify({ errors: [{ message, extensions: { code, imCode } }] }));
}

/**
 * Reads a multipart GraphQL request, staging its files in `blobs`, then calls `run` with the operation as a JSON
 * body and the staged uploads; deletes what no draft claimed once the response has ended.
 */
export function handleMultipart(
  req: IncomingMessage,
  res: ServerResponse,
  config: Config,
  blobs: MediaBlobs,
  run: (body: string, uploads: Uploads) => void,
  log: Pick<Logger, 'error'>,
): void {
  // Refused before any byte is stored: an anonymous request cannot fill the disk.
  const auth = authenticateHeader(req.headers.authorization, config);
  if (auth.viewer === null) {
    req.resume();
    return answer(res, 401, auth.authFailure.imCode, auth.authFailure.message, {
      'www-authenticate': wwwAuthenticate(auth.authFailure),
    });
  }
  const uploads = new Uploads();
  const written: string[] = [];
  const writes: Promise<unknown>[] = [];
  const sinks = new Set<PassThrough>();
  /** The token standing for each file part, by its name in `map`. */
  const tokens = new Map<string, string>();
  let operations: string | undefined;
  let map: Map<string, string[]> | undefined;
  let settled = false;

  const fail = async (error: UploadError) => {
    if (settled) return;
    settled = true;
    for (const sink of sinks) sink.destroy(error);
    await Promise.allSettled(writes);
    await blobs.delete(written);
    req.unpipe();
    req.resume();
    answer(res, error.status, error.imCode, error.message);
  };
  // A listener's throw would be uncaught (it runs in busboy's stream events) and end the process: a defect here
  // answers this request 500 and is logged, and the rest of the gateway goes on. Once the operation was handed on
  // (settled), what it did not claim goes when the response ends, as always.
  const defect = (e: unknown) => {
    log.error({ err: e }, 'reading a multipart request failed');
    const error = new UploadError(
      500,
      Code.FILE_TRANS_UPLOAD_FAILED,
      'The upload could not be read; nothing was kept.',
    );
    if (!settled) void fail(error);
    else answer(res, error.status, error.imCode, error.message);
  };
  const guarded =
    <A extends unknown[]>(listener: (...args: A) => void) =>
    (...args: A) => {
      try {
        listener(...args);
      } catch (e) {
        defect(e);
      }
    };
  const cutOff = () =>
    new UploadError(
      400,
      Code.FILE_TRANS_UPLOAD_FAILED,
      'The upload was cut off before the request ended; nothing was kept: send it again.',
    );

  let busboy: InstanceType<typeof Busboy>;
  try {
    busboy = new Busboy({
      headers: req.headers as never,
      limits: { files: MAX_FILES, fields: 2, fieldSize: config.limits.maxBodyBytes, parts: MAX_FILES + 2 },
    });
  } catch (e) {
    return void fail(
      new UploadError(400, Code.INVALID_PARAMETERS, `The multipart request is malformed: ${(e as Error).message}`),
    );
  }

  busboy.on(
    'field',
    guarded((name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
      if (valueTruncated)
        return void fail(
          new UploadError(
            413,
            Code.INVALID_PARAMETERS,
            `The ${name} field is over ${config.limits.maxBodyBytes} bytes.`,
          ),
        );
      if (name === 'operations') operations = value;
      else if (name === 'map') {
        try {
          const parsed: unknown = JSON.parse(value);
          if (!isFileMap(parsed)) throw new Error('not a map');
          map = new Map(Object.entries(parsed));
        } catch {
          void fail(new UploadError(400, Code.INVALID_PARAMETERS, 'map is not a JSON object of file names to paths.'));
        }
      }
    }),
  );

  busboy.on(
    'file',
    guarded((name: string, stream: Readable, filename: string | undefined) => {
      const paths = map?.get(name);
      if (settled || operations === undefined || paths === undefined) {
        stream.resume();
        if (!settled)
          void fail(
            new UploadError(
              400,
              Code.INVALID_PARAMETERS,
              `File "${name}" comes before operations and map, or map does not name it.`,
            ),
          );
        return;
      }
      const limit = limitFor(paths, config.media.maxBytes);
      const staged: StagedUpload = {
        blobId: newBlobId(),
        size: 0,
        head: Buffer.alloc(0),
        fileName: filename ?? '',
        tooLarge: false,
        limit,
      };
      const token = uploads.add(staged);
      tokens.set(name, token);
      written.push(staged.blobId!);
      const sink = new PassThrough();
      // Its failure is reported by the store's write (below); a store may not be reading yet when it is destroyed.
      sink.on('error', () => {});
      sinks.add(sink);
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        if (staged.tooLarge) return;
        size += chunk.length;
        if (size > limit) {
          // Over the limit: what was written goes, the rest of the part is read and dropped.
          staged.tooLarge = true;
          sink.destroy(new Error('over the limit'));
          stream.resume();
          return;
        }
        if (staged.head.length < HEAD_BYTES)
          staged.head = Buffer.concat([staged.head, chunk.subarray(0, HEAD_BYTES - staged.head.length)]);
        if (!sink.write(chunk)) {
          stream.pause();
          sink.once('drain', () => stream.resume());
        }
      });
      stream.on('end', () => {
        if (!staged.tooLarge) sink.end();
      });
      stream.on('error', (e: Error) => sink.destroy(e));
      sink.on('close', () => {
        sinks.delete(sink);
        if (stream.isPaused()) stream.resume();
      });
      writes.push(
        blobs.write(staged.blobId!, sink).then(
          (n) => {
            staged.size = n;
          },
          (e: unknown) => {
            staged.blobId = null; // the store removed the partial bytes
            if (!staged.tooLarge && !settled) void fail(e instanceof UploadError ? e : cutOff());
          },
        ),
      );
    }),
  );
  busboy.on('error', () => void fail(cutOff()));
  busboy.on(
    'filesLimit',
    () => void fail(new UploadError(400, Code.INVALID_PARAMETERS, `At most ${MAX_FILES} files per request.`)),
  );
  busboy.on('finish', () => {
    void (async () => {
      await Promise.allSettled(writes);
      if (settled) return;
      if (operations === undefined || map === undefined)
        return fail(
          new UploadError(400, Code.INVALID_PARAMETERS, 'A multipart GraphQL request needs operations and map fields.'),
        );
      let ops: unknown;
      try {
        ops = JSON.parse(operations);
      } catch {
        return fail(new UploadError(400, Code.INVALID_PARAMETERS, 'operations is not JSON.'));
      }
      for (const [name, paths] of map) {
        const token = tokens.get(name);
        if (!token)
          return fail(
            new UploadError(400, Code.INVALID_PARAMETERS, `map names file "${name}", which the request does not have.`),
          );
        for (const path of paths) {
          if (!setPath(ops, path, token))
            return fail(
              new UploadError(400, Code.INVALID_PARAMETERS, `map path "${path}" is not a null variable in operations.`),
            );
        }
      }
      settled = true;
      res.once('close', () => void blobs.delete(uploads.unclaimed()));
      run(JSON.stringify(ops), uploads);
    })().catch(defect);
  });
  // The client went away mid-request: busboy will never finish.
  req.once('close', () => {
    if (!req.complete) void fail(cutOff());
  });
  req.pipe(busboy);
}

/** The request handed to yoga: the same request, now a JSON body (whatwg-node reads a pre-read `body`). */
export function asJsonRequest(req: IncomingMessage, body: string): IncomingMessage {
  req.headers['content-type'] = 'application/json';
  delete req.headers['content-length'];
  delete req.headers['transfer-encoding'];
  (req as IncomingMessage & { body?: Readable }).body = Readable.from([Buffer.from(body)]);
  return req;
}
