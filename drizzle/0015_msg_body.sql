ALTER TABLE `drafts` ADD `body` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `body` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Moves each message's and draft's content into its body (Tencent's MsgBody, src/db/element.ts): text and custom
-- fields become one element, any other element is already the JSON of one.
UPDATE `messages` SET `body` = CASE
  WHEN elem IS NOT NULL THEN '[' || elem || ']'
  WHEN elem_type = 1 THEN json_array(json_object('kind', 'text', 'text', coalesce(text, '')))
  WHEN elem_type = 2 THEN json_array(json_object('kind', 'custom', 'data', coalesce(custom_data, ''), 'desc', coalesce(custom_desc, ''), 'extension', coalesce(custom_ext, '')))
  ELSE '[]'
END;--> statement-breakpoint
UPDATE `drafts` SET `body` = CASE
  WHEN elem IS NOT NULL THEN '[' || elem || ']'
  WHEN elem_type = 1 THEN json_array(json_object('kind', 'text', 'text', coalesce(text, '')))
  WHEN elem_type = 2 THEN json_array(json_object('kind', 'custom', 'data', coalesce(custom_data, ''), 'desc', coalesce(custom_desc, ''), 'extension', coalesce(custom_ext, '')))
  ELSE '[]'
END;