-- Media messages and drafts stored before media_refs (0016) hold their blobs like every later one: a row per blob
-- their body's elements name, as src/media/element.ts partsOf lists them (each version of a picture, a video and
-- its snapshot), held by the creation id and uploaded by the sender or the draft's owner (nothing could be
-- forwarded or sent again by uuid then). Rows already there, as every holder stored since has them, stay as they
-- are. A body's own merger names no blob: its messages are in merged_messages, and their blobs already in here.
-- The body is JSON text as the executor stores text (src/db/pg/client.ts: U+E000 written as U+E000 'e'), so
-- values read out of it are stored text already. Only the escape \u0000 (a U+0000 in a message's text) is beyond
-- PostgreSQL's JSON functions: each becomes \ue000 '0', the stored form of U+0000, after every escaped backslash
-- became \u005c so that no "\\u0000" is mistaken for one.
WITH elems AS (
  SELECT h.holder, h.uploader, e.value AS elem
  FROM (SELECT create_id AS holder, sender AS uploader, body FROM messages
        UNION ALL SELECT id, owner, body FROM drafts) h,
    json_array_elements(replace(replace(h.body, '\\', '\u005c'), '\u0000', '\ue0000')::json) e
)
INSERT INTO "media_refs" ("holder", "blob_id", "uploader", "kind", "content_type", "file_name")
SELECT holder, i->>'uuid', uploader, 'image', i->>'contentType', NULL
  FROM elems, json_array_elements(elem->'imageList') i WHERE elem->>'kind' = 'image'
UNION ALL
SELECT holder, elem->>'uuid', uploader, elem->>'kind', elem->>'contentType',
    CASE elem->>'kind' WHEN 'file' THEN elem->>'fileName' END
  FROM elems WHERE elem->>'kind' IN ('sound', 'file')
UNION ALL
SELECT holder, elem->>'videoUUID', uploader, 'video', elem->>'contentType', NULL
  FROM elems WHERE elem->>'kind' = 'video'
UNION ALL
SELECT holder, elem->>'snapshotUUID', uploader, 'image', coalesce(elem->>'snapshotContentType', 'image/jpeg'), NULL
  FROM elems WHERE elem->>'kind' = 'video' AND elem->>'snapshotUUID' IS NOT NULL
ON CONFLICT DO NOTHING;
