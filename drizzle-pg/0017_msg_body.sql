ALTER TABLE "drafts" ADD COLUMN "body" text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "body" text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Moves each message's and draft's content into its body (Tencent's MsgBody, src/db/element.ts): text and custom
-- fields become one element, any other element is already the JSON of one. Stored text writes U+0000 as U+E000 '0'
-- (src/db/pg/client.ts); in JSON it is the escape \u0000, so the body holds no U+0000 and reads back exact.
UPDATE "messages" SET "body" = CASE
  WHEN elem IS NOT NULL THEN '[' || elem || ']'
  WHEN elem_type = 1 THEN replace(json_build_array(json_build_object('kind', 'text', 'text', coalesce(text, '')))::text, chr(57344) || '0', '\u0000')
  WHEN elem_type = 2 THEN replace(json_build_array(json_build_object('kind', 'custom', 'data', coalesce(custom_data, ''), 'desc', coalesce(custom_desc, ''), 'extension', coalesce(custom_ext, '')))::text, chr(57344) || '0', '\u0000')
  ELSE '[]'
END;--> statement-breakpoint
UPDATE "drafts" SET "body" = CASE
  WHEN elem IS NOT NULL THEN '[' || elem || ']'
  WHEN elem_type = 1 THEN replace(json_build_array(json_build_object('kind', 'text', 'text', coalesce(text, '')))::text, chr(57344) || '0', '\u0000')
  WHEN elem_type = 2 THEN replace(json_build_array(json_build_object('kind', 'custom', 'data', coalesce(custom_data, ''), 'desc', coalesce(custom_desc, ''), 'extension', coalesce(custom_ext, '')))::text, chr(57344) || '0', '\u0000')
  ELSE '[]'
END;