// The PostgreSQL media store: every gateway process reads and writes the same bytes, in the database the deployment
// already runs (no object store to operate). A blob is rows of `media_chunks` (drizzle-pg/…_media.sql), 256 KiB
// each, and read back a few chunks per query, so neither direction holds a whole file in memory. A write inserts each
// chunk as it arrives under a staging id (`~` + the id: no blob id, so no read, size or delete ever names it) and
// renames them in one statement once the source has ended, so a blob is there whole or not at all; a cut-off upload
// deletes its staged chunks, and those of a process killed mid-upload go with the sweep (writtenBefore). A connection
// is held for one chunk at a time, not for the upload: slow or stalled uploads, however many, cannot hold up the
// others (they took a connection each for as long as they lasted). Media has its own small pool all the same.
import type pg from 'pg';
import { Readable } from 'node:stream';
import { createPool } from '../db/pg/client';
import { isBlobId, type ByteRange, type MediaBlobs } from './store';

export const CHUNK_BYTES = 256 * 1024;
/** Chunks being written are kept under this prefix and the blob's id (see the header). */
const STAGING = '~';
/** Chunks per read query: 2 MiB in flight at most per download. */
const READ_BATCH = 8;

/** Fixed-size chunks out of whatever sizes the source yields. */
async function* rechunk(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const piece of source) {
    let buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (size + buf.length >= CHUNK_BYTES) {
      const take = CHUNK_BYTES - size;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending, CHUNK_BYTES);
      buf = buf.subarray(take);
      pending = [];
      size = 0;
    }
    if (buf.length > 0) {
      pending.push(Buffer.from(buf)); // a copy: the source may reuse its buffer
      size += buf.length;
    }
  }
  yield Buffer.concat(pending, size); // the last chunk (maybe empty: every blob has at least one row)
}

export function createPgBlobs(url: string, options: { schema?: string; poolSize?: number } = {}): MediaBlobs {
  const pool: pg.Pool = createPool(url, options.poolSize ?? 10, options.schema);
  const check = (id: string) => {
    if (!isBlobId(id)) throw new Error('not a blob id');
    return id;
  };
  const size = async (id: string) => {
    const r = await pool.query<{ n: number; len: number }>(
      'SELECT n, length(data) AS len FROM media_chunks WHERE blob_id = $1 ORDER BY n DESC LIMIT 1',
      [check(id)],
    );
    const last = r.rows[0];
    return last ? last.n * CHUNK_BYTES + Number(last.len) : undefined;
  };
  return {
    async write(id, source) {
      const staging = STAGING + check(id);
      let total = 0;
      try {
        let n = 0;
        for await (const chunk of rechunk(source)) {
          await pool.query('INSERT INTO media_chunks (blob_id, n, data) VALUES ($1, $2, $3)', [staging, n++, chunk]);
          total += chunk.length;
        }
        const renamed = await pool.query('UPDATE media_chunks SET blob_id = $2 WHERE blob_id = $1', [staging, id]);
        // Fewer than were written: the sweep took this write for one cut off by a crash (it ran for over an hour).
        if (renamed.rowCount !== n) throw new Error(`${n - (renamed.rowCount ?? 0)} staged chunks were swept`);
        return total;
      } catch (e) {
        await pool.query('DELETE FROM media_chunks WHERE blob_id = $1', [staging]).catch(() => {});
        throw e;
      }
    },
    async read(id, range) {
      const total = await size(id);
      if (total === undefined) return undefined;
      const { start, end } = range ?? { start: 0, end: total - 1 };
      if (total === 0) return Readable.from([]);
      const first = Math.floor(start / CHUNK_BYTES);
      const last = Math.floor(end / CHUNK_BYTES);
      async function* chunks() {
        for (let from = first; from <= last; from += READ_BATCH) {
          const to = Math.min(last, from + READ_BATCH - 1);
          const r = await pool.query<{ n: number; data: Buffer }>(
            'SELECT n, data FROM media_chunks WHERE blob_id = $1 AND n BETWEEN $2 AND $3 ORDER BY n',
            [id, from, to],
          );
          for (const { n, data } of r.rows) {
            const offset = n * CHUNK_BYTES;
            yield data.subarray(Math.max(0, start - offset), Math.min(data.length, end - offset + 1));
          }
        }
      }
      return Readable.from(chunks());
    },
    size: (id) => size(id),
    async delete(ids) {
      const valid = ids.filter(isBlobId);
      if (valid.length > 0) await pool.query('DELETE FROM media_chunks WHERE blob_id = ANY($1)', [valid]);
    },
    // Keyset pages over the first chunks (a partial index): a page costs its own rows, however many blobs there are.
    // Staged chunks that old were cut off by a crash (a live upload's first chunk is younger than the sweep's grace):
    // deleted here, as the disk store sweeps its partial files.
    async *writtenBefore(beforeMs, pageSize) {
      for (let after = ''; ;) {
        const r = await pool.query<{ blob_id: string }>(
          `SELECT blob_id FROM media_chunks WHERE n = 0 AND blob_id > $1 AND created_at < to_timestamp($2 / 1000.0)
           ORDER BY blob_id LIMIT $3`,
          [after, beforeMs, pageSize],
        );
        if (r.rows.length === 0) return;
        const ids = r.rows.map((row) => row.blob_id);
        const staged = ids.filter((id) => id.startsWith(STAGING));
        if (staged.length > 0) await pool.query('DELETE FROM media_chunks WHERE blob_id = ANY($1)', [staged]);
        const blobs = ids.filter(isBlobId);
        if (blobs.length > 0) yield blobs;
        after = ids[ids.length - 1]!;
      }
    },
    close: () => pool.end(),
  };
}

/** What a test asks: how many blobs the store holds now. */
export async function pgBlobCount(url: string, schema: string): Promise<number> {
  const pool = createPool(url, 1, schema);
  try {
    const r = await pool.query<{ c: string }>('SELECT count(DISTINCT blob_id) AS c FROM media_chunks');
    return Number(r.rows[0]!.c);
  } finally {
    await pool.end();
  }
}
