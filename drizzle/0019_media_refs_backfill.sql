-- Media messages and drafts stored before media_refs (0014) hold their blobs like every later one: a row per blob
-- their body's elements name, as src/media/element.ts partsOf lists them (each version of a picture, a video and
-- its snapshot), held by the creation id and uploaded by the sender or the draft's owner (nothing could be
-- forwarded or sent again by uuid then). Rows already there, as every holder stored since has them, stay as they
-- are. A body's own merger names no blob: its messages are in merged_messages, and their blobs already in here.
WITH elems AS (
  SELECT h.holder, h.uploader, e.value AS elem
  FROM (SELECT create_id AS holder, sender AS uploader, body FROM messages
        UNION ALL SELECT id, owner, body FROM drafts) h, json_each(h.body) e
)
INSERT INTO `media_refs` (`holder`, `blob_id`, `uploader`, `kind`, `content_type`, `file_name`)
SELECT holder, json_extract(i.value, '$.uuid'), uploader, 'image', json_extract(i.value, '$.contentType'), NULL
  FROM elems, json_each(elem, '$.imageList') i WHERE json_extract(elem, '$.kind') = 'image'
UNION ALL
SELECT holder, json_extract(elem, '$.uuid'), uploader, json_extract(elem, '$.kind'),
    json_extract(elem, '$.contentType'),
    CASE json_extract(elem, '$.kind') WHEN 'file' THEN json_extract(elem, '$.fileName') END
  FROM elems WHERE json_extract(elem, '$.kind') IN ('sound', 'file')
UNION ALL
SELECT holder, json_extract(elem, '$.videoUUID'), uploader, 'video', json_extract(elem, '$.contentType'), NULL
  FROM elems WHERE json_extract(elem, '$.kind') = 'video'
UNION ALL
SELECT holder, json_extract(elem, '$.snapshotUUID'), uploader, 'image',
    coalesce(json_extract(elem, '$.snapshotContentType'), 'image/jpeg'), NULL
  FROM elems WHERE json_extract(elem, '$.kind') = 'video' AND json_extract(elem, '$.snapshotUUID') IS NOT NULL
ON CONFLICT DO NOTHING;
