CREATE TABLE `hidden_messages` (
	`user_id` text NOT NULL,
	`order_no` integer NOT NULL,
	PRIMARY KEY(`user_id`, `order_no`)
);
--> statement-breakpoint
ALTER TABLE `conversations` ADD `is_pinned` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `draft_text` text;--> statement-breakpoint
ALTER TABLE `conversations` ADD `draft_timestamp` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `mark_bits` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `recv_opt` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `hidden` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `cleared_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `at_me_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `at_all_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `last_hidden` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `last_fallback` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `groups` ADD `at_all_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_group_seq` ON `messages` (`group_id`,`seq_base`) WHERE "messages"."group_id" IS NOT NULL;