// Who holds which blob (`media_refs`) and a merger's merged messages (`merged_messages`), written once for both
// databases. Both are keyed by a creation id, which a draft and the message sent from it share, so a stored send
// needs nothing here. What a draft or message holds is these rows, whatever its elements (those stored before
// media_refs were given theirs by the migration media_refs_backfill): a draft that is never stored (an online-only
// send, an expired draft) and a dismissed group's messages release them. A blob is reclaimable once no holder is
// left: releaseWork deletes the holders' rows and answers the blobs nobody else holds (the caller deletes their
// bytes after the commit).
import type { BlobRef, DraftHoldings, MergedMessage } from './element';
import type { MessageStore } from './store';
import { row, rows, run, sql, type Dialect, type Executor, type SQL, type Work } from './statement';
import { viewColumns, viewed, visibleTo, type ViewedRow } from './views';

/** Rows per INSERT: a merger of 300 pictures holds 900 blobs; six parameters a row stays far below both limits. */
const REFS_PER_INSERT = 200;

const REF_COLUMNS = sql.raw(`r.blob_id AS "blobId", r.uploader, r.kind, r.content_type AS "contentType",
  r.file_name AS "fileName"`);

/** Stores what a new draft `holder` holds (in the draft's own transaction). */
export function* holdWork(holder: string, holdings: DraftHoldings | undefined): Work<void> {
  if (!holdings) return;
  const refs = [...new Map(holdings.refs.map((r) => [r.blobId, r])).values()];
  for (let i = 0; i < refs.length; i += REFS_PER_INSERT) {
    const values = refs
      .slice(i, i + REFS_PER_INSERT)
      .map((r) => sql`(${holder}, ${r.blobId}, ${r.uploader}, ${r.kind}, ${r.contentType}, ${r.fileName})`);
    yield* run(sql`INSERT INTO media_refs (holder, blob_id, uploader, kind, content_type, file_name)
      VALUES ${sql.join(values, sql`, `)} ON CONFLICT DO NOTHING`);
  }
  if (holdings.merged)
    yield* run(sql`INSERT INTO merged_messages (holder, body) VALUES (${holder}, ${JSON.stringify(holdings.merged)})`);
}

/**
 * Drops everything the holders in `holders` (an `IN` operand: a list or a subquery) hold, and answers which of their
 * blobs no holder holds any more.
 */
export function* releaseWork(d: Dialect, holders: SQL): Work<string[]> {
  const freed = yield* rows<{ blobId: string }>(
    sql`DELETE FROM media_refs WHERE holder IN ${holders} RETURNING blob_id AS "blobId"`,
  );
  yield* run(sql`DELETE FROM merged_messages WHERE holder IN ${holders}`);
  return yield* unheldWork(d, [...new Set(freed.map((r) => r.blobId))]);
}

/** The blobs among `blobIds` that no holder holds. */
function* unheldWork(d: Dialect, blobIds: readonly string[]): Work<string[]> {
  if (blobIds.length === 0) return [];
  return (yield* rows<{ blobId: string }>(sql`SELECT u.value AS "blobId" FROM ${d.list(blobIds, 'u')}
    WHERE NOT EXISTS (SELECT 1 FROM media_refs r WHERE r.blob_id = u.value)`)).map((r) => r.blobId);
}

export function mediaMethods(
  x: Executor,
): Pick<MessageStore, 'uploadsOf' | 'heldBlob' | 'refsOf' | 'unheldBlobs' | 'mergedMessages' | 'visibleWithMerged'> {
  const d = x.dialect;
  return {
    uploadsOf: (uploader, blobIds) =>
      x.read(function* () {
        if (blobIds.length === 0) return new Map<string, BlobRef>();
        const list = yield* rows<BlobRef>(sql`SELECT ${REF_COLUMNS} FROM media_refs r
          WHERE r.blob_id IN ${d.inList(blobIds)} AND r.uploader = ${uploader}`);
        return new Map(list.map((r) => [r.blobId, r]));
      }),
    heldBlob: (holder, blobId) =>
      x.read(() =>
        row<BlobRef>(sql`SELECT ${REF_COLUMNS} FROM media_refs r WHERE r.holder = ${holder} AND r.blob_id = ${blobId}`),
      ),
    refsOf: (holders) =>
      x.read(function* () {
        if (holders.length === 0) return [];
        return yield* rows<BlobRef>(
          sql`SELECT ${REF_COLUMNS} FROM media_refs r WHERE r.holder IN ${d.inList(holders)}`,
        );
      }),
    unheldBlobs: (blobIds) => x.read(() => unheldWork(d, blobIds)),
    mergedMessages: (holders) =>
      x.read(function* () {
        if (holders.length === 0) return new Map<string, MergedMessage[]>();
        const list = yield* rows<{ holder: string; copies: MergedMessage[] }>(
          sql`SELECT holder, body AS copies FROM merged_messages WHERE holder IN ${d.inList(holders)}`,
        );
        return new Map(list.map((r) => [r.holder, r.copies]));
      }),
    visibleWithMerged: (viewer, msgId) =>
      x.read(function* () {
        const r = yield* row<ViewedRow & { copies: MergedMessage[] | null }>(sql`SELECT ${viewColumns(viewer)},
          mm.body AS copies FROM messages m LEFT JOIN merged_messages mm ON mm.holder = m.create_id
          WHERE m.msg_id = ${msgId} AND ${visibleTo(viewer)}`);
        if (!r) return undefined;
        const { copies, ...rest } = r;
        return { message: viewed(rest), merged: copies ?? undefined };
      }),
  };
}
