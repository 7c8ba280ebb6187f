// The PostgreSQL media store: every gateway process reads and writes the same bytes, in the database the deployment
// already runs (no object store to operate). A blob is rows of `media_chunks` (drizzle-pg/…_media.sql), 256 KiB
// each, written as they arrive in one transaction (a cut-off upload rolls back: nothing is left) and read back a few
// chunks per query, so neither direction holds a whole file in memory. Uploads use their own small pool: a slow
// upload holds its connection for as long as it lasts, and must not take one the message traffic needs.
import type pg from 'pg';
import { Readable } from 'node:stream';
import { createPool } from '../db/pg/client';
import { isBlobId, type ByteRange, type MediaBlobs } from './store';

export const CHUNK_BYTES = 256 * 1024;
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
      check(id);
      const client = await pool.connect();
      let total = 0;
      try {
        await client.query('BEGIN');
        let n = 0;
        for await (const chunk of rechunk(source)) {
          await client.query('INSERT INTO media_chunks (blob_id, n, data) VALUES ($1, $2, $3)', [id, n++, chunk]);
          total += chunk.length;
        }
        await client.query('COMMIT');
        return total;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
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
    async *writtenBefore(beforeMs, pageSize) {
      for (let after = ''; ;) {
        const r = await pool.query<{ blob_id: string }>(
          `SELECT blob_id FROM media_chunks WHERE n = 0 AND blob_id > $1 AND created_at < to_timestamp($2 / 1000.0)
           ORDER BY blob_id LIMIT $3`,
          [after, beforeMs, pageSize],
        );
        if (r.rows.length === 0) return;
        yield r.rows.map((row) => row.blob_id);
        after = r.rows[r.rows.length - 1]!.blob_id;
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
