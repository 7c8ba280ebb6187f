DROP INDEX "messages_group";--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "read_count" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "unread_count" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "head_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "last_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "unread_total" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "head_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "last_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "conversations_group" ON "conversations" USING btree ("group_id") WHERE "conversations"."group_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_group" ON "messages" USING btree ("group_id","order_no") WHERE "messages"."group_id" IS NOT NULL;--> statement-breakpoint
-- The C2C pair key's separator: U+0000 escaped as every text is now (U+E000 '0'), instead of U+0001.
UPDATE messages SET pair_key = replace(pair_key, chr(1), chr(57344) || '0') WHERE pair_key IS NOT NULL;--> statement-breakpoint
-- Data: the counters the new columns keep, computed once from the messages (what the reads used to count), and
-- the Meeting rule ("sees earlier history") written into its members' windows, as joins now do.
UPDATE group_members SET join_order = 0 WHERE group_id IN (SELECT group_id FROM groups WHERE group_type = 'Meeting');--> statement-breakpoint
UPDATE groups SET
  head_order = coalesce((SELECT max(m.order_no) FROM messages m WHERE m.group_id = groups.group_id), 0),
  last_order = coalesce((SELECT max(m.order_no) FROM messages m WHERE m.group_id = groups.group_id AND m.targeted = 0 AND m.excluded_last = 0), 0),
  unread_total = CASE WHEN group_type = 'Meeting' THEN 0 ELSE (SELECT count(*) FROM messages m WHERE m.group_id = groups.group_id
    AND m.targeted = 0 AND m.excluded_unread = 0 AND m.revoked_at IS NULL) END;--> statement-breakpoint
UPDATE conversations SET
  read_count = CASE WHEN (SELECT g.group_type FROM groups g WHERE g.group_id = conversations.group_id) = 'Meeting' THEN 0
    ELSE (SELECT g.unread_total FROM groups g WHERE g.group_id = conversations.group_id) - (SELECT count(*) FROM messages m
      WHERE m.group_id = conversations.group_id AND m.targeted = 0 AND m.order_no > conversations.read_order
      AND m.sender <> conversations.user_id AND m.excluded_unread = 0 AND m.revoked_at IS NULL) END,
  unread_count = CASE WHEN (SELECT g.group_type FROM groups g WHERE g.group_id = conversations.group_id) = 'Meeting' THEN 0
    ELSE (SELECT count(*) FROM message_audience a JOIN messages m ON m.order_no = a.order_no
      WHERE a.user_id = conversations.user_id AND a.group_id = conversations.group_id AND m.order_no > conversations.read_order
      AND m.sender <> conversations.user_id AND m.excluded_unread = 0 AND m.revoked_at IS NULL) END,
  head_order = coalesce((SELECT max(a.order_no) FROM message_audience a
    WHERE a.user_id = conversations.user_id AND a.group_id = conversations.group_id), 0),
  last_order = coalesce((SELECT max(a.order_no) FROM message_audience a JOIN messages m ON m.order_no = a.order_no
    JOIN group_members gm ON gm.group_id = a.group_id AND gm.user_id = a.user_id
    WHERE a.user_id = conversations.user_id AND a.group_id = conversations.group_id AND m.excluded_last = 0
    AND a.order_no > gm.join_order), 0)
WHERE group_id IS NOT NULL;--> statement-breakpoint
UPDATE conversations SET
  unread_count = (SELECT count(*) FROM messages m WHERE m.receiver = conversations.user_id AND m.sender = conversations.peer_id
    AND m.order_no > conversations.read_order AND m.excluded_unread = 0 AND m.revoked_at IS NULL),
  head_order = coalesce((SELECT max(m.order_no) FROM messages m WHERE (m.receiver = conversations.user_id AND m.sender = conversations.peer_id)
    OR (m.sender = conversations.user_id AND m.receiver = conversations.peer_id)), 0),
  last_order = coalesce((SELECT max(m.order_no) FROM messages m WHERE ((m.receiver = conversations.user_id AND m.sender = conversations.peer_id)
    OR (m.sender = conversations.user_id AND m.receiver = conversations.peer_id)) AND m.excluded_last = 0), 0)
WHERE peer_id IS NOT NULL;--> statement-breakpoint
DROP INDEX "message_audience_stream";--> statement-breakpoint
DROP INDEX "messages_receiver";--> statement-breakpoint
DROP INDEX "messages_sender";
