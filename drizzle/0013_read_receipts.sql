CREATE TABLE `message_readers` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_no` integer NOT NULL,
	`user_id` text NOT NULL,
	`read_at` integer NOT NULL,
	FOREIGN KEY (`order_no`) REFERENCES `messages`(`order_no`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `message_readers_user` ON `message_readers` (`order_no`,`user_id`);--> statement-breakpoint
CREATE INDEX `message_readers_order` ON `message_readers` (`order_no`,`seq`);--> statement-breakpoint
CREATE TABLE `message_receipts` (
	`order_no` integer PRIMARY KEY NOT NULL,
	`audience` integer NOT NULL,
	`read_count` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`order_no`) REFERENCES `messages`(`order_no`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `group_members` ADD `join_head` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Members from before this column: their window start stands in for the head at their join (0 in Meeting groups).
UPDATE `group_members` SET `join_head` = `join_order`;