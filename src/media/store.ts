// Where the bytes of pictures, voice, video and files live: one small seam (MediaBlobs) with two stores behind it,
// the local disk under the data directory (the default: nothing to install) and PostgreSQL (./pg-store.ts, for
// several gateway processes, chosen when DATABASE_URL is PostgreSQL). Blob ids are made by the server (newBlobId)
// and checked against one pattern before any store sees them, so no client-controlled text reaches a path or a key.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { opendir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface MediaBlobs {
  /**
   * Streams `source` into a new blob under `id` and resolves with its size. If the source fails (a truncated upload,
   * a limit) nothing is left behind: the partial bytes are removed before the promise rejects.
   */
  write(id: string, source: AsyncIterable<Uint8Array> | Readable): Promise<number>;
  /** The blob's bytes (all, or one inclusive range), streamed; undefined when there is no such blob. */
  read(id: string, range?: ByteRange): Promise<Readable | undefined>;
  /** The blob's size in bytes; undefined when there is no such blob. */
  size(id: string): Promise<number | undefined>;
  /** Removes these blobs; missing ones are ignored. */
  delete(ids: readonly string[]): Promise<void>;
  /** The ids of the complete blobs written before `beforeMs` (ms since the epoch), a page of at most `pageSize` at a
   *  time, each read once the previous one is handled: what the sweep of bytes nobody holds goes through. */
  writtenBefore(beforeMs: number, pageSize: number): AsyncIterable<string[]>;
  close(): Promise<void>;
}

const BLOB_ID = /^[A-Za-z0-9_-]{24}$/;

/** 18 random bytes: unguessable, so knowing an id is never enough (downloads also need a signed URL). */
export const newBlobId = () => randomBytes(18).toString('base64url');
export const isBlobId = (id: string) => BLOB_ID.test(id);

function checkId(id: string): string {
  if (!isBlobId(id)) throw new Error(`not a blob id: ${JSON.stringify(id).slice(0, 40)}`);
  return id;
}

/** Partial writes older than this at start-up were cut off by a crash: removed. */
const STALE_PARTIAL_MS = 3600_000;

/**
 * The local-disk store: one file per blob, `<dir>/<id>`, written as `<dir>/.partial/<id>` and renamed into place
 * once complete (so a reader never sees half a file and a crash leaves only partials, swept at the next start).
 */
export function createDiskBlobs(dir: string): MediaBlobs {
  const partials = join(dir, '.partial');
  // Created on the first write, so a gateway that never receives media leaves no directory behind.
  let made = false;
  const ensureDirs = () => {
    if (!made) mkdirSync(partials, { recursive: true });
    made = true;
  };
  for (const name of existsSync(partials) ? readdirSync(partials) : []) {
    const p = join(partials, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > STALE_PARTIAL_MS) unlinkSync(p);
    } catch {
      /* gone already */
    }
  }
  const final = (id: string) => join(dir, checkId(id));
  return {
    async write(id, source) {
      const partial = join(partials, checkId(id));
      ensureDirs();
      const out = createWriteStream(partial, { flags: 'wx' });
      try {
        await pipeline(source, out);
        await rename(partial, final(id));
        return (await stat(final(id))).size;
      } catch (e) {
        // A source that fails early (an upload refused or cut off) rejects the pipeline before the partial file is
        // even open; the open goes on and would create it after an unlink. So the unlink waits for the close.
        if (!out.closed) await once(out, 'close').catch(() => {});
        await unlink(partial).catch(() => {});
        throw e;
      }
    },
    async read(id, range) {
      try {
        await stat(final(id));
      } catch {
        return undefined;
      }
      return createReadStream(final(id), range ? { start: range.start, end: range.end } : {});
    },
    async size(id) {
      try {
        return (await stat(final(id))).size;
      } catch {
        return undefined;
      }
    },
    async delete(ids) {
      await Promise.all(ids.filter(isBlobId).map((id) => unlink(final(id)).catch(() => {})));
    },
    // The directory streamed (opendir), not read whole: it holds every blob.
    async *writtenBefore(beforeMs, pageSize) {
      if (!existsSync(dir)) return;
      let page: string[] = [];
      for await (const entry of await opendir(dir)) {
        if (!entry.isFile() || !isBlobId(entry.name)) continue;
        const at = await stat(join(dir, entry.name)).then(
          (s) => s.mtimeMs,
          () => Infinity, // gone meanwhile
        );
        if (at >= beforeMs) continue;
        page.push(entry.name);
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
    async close() {},
  };
}

/** What a test asks: the blobs a store holds now (disk: the files in its directory, partials included). */
export function diskBlobCount(dir: string): number {
  if (!existsSync(dir)) return 0;
  const files = readdirSync(dir).filter((n) => n !== '.partial');
  const partials = join(dir, '.partial');
  return files.length + (existsSync(partials) ? readdirSync(partials).length : 0);
}
