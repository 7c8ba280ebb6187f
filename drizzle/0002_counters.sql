DROP INDEX `messages_group`;--> statement-breakpoint
CREATE INDEX `messages_group` ON `messages` (`group_id`,`order_no`) WHERE "messages"."group_id" IS NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `read_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `unread_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `head_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `last_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `conversations_group` ON `conversations` (`group_id`) WHERE "conversations"."group_id" IS NOT NULL;--> statement-breakpoint
ALTER TABLE `groups` ADD `unread_total` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `groups` ADD `head_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `groups` ADD `last_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
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
DROP INDEX `message_audience_stream`;--> statement-breakpoint
DROP INDEX `messages_receiver`;--> statement-breakpoint
DROP INDEX `messages_sender`;
