CREATE TABLE `conversations` (
	`user_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`peer_id` text,
	`group_id` text,
	`read_order` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`user_id`, `conversation_id`)
);
--> statement-breakpoint
CREATE TABLE `drafts` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`elem_type` integer NOT NULL,
	`text` text,
	`custom_data` text,
	`custom_desc` text,
	`custom_ext` text,
	`at_users` text,
	`targets` text
);
--> statement-breakpoint
CREATE INDEX `drafts_expires` ON `drafts` (`expires_at`);--> statement-breakpoint
CREATE TABLE `group_members` (
	`group_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` integer NOT NULL,
	`join_time` integer NOT NULL,
	`join_order` integer NOT NULL,
	`mute_until` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`group_id`, `user_id`),
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`group_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `group_members_user` ON `group_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `groups` (
	`group_id` text PRIMARY KEY NOT NULL,
	`group_type` text NOT NULL,
	`group_name` text NOT NULL,
	`owner` text NOT NULL,
	`created_at` integer NOT NULL,
	`public_count` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `message_audience` (
	`order_no` integer NOT NULL,
	`user_id` text NOT NULL,
	`group_id` text NOT NULL,
	`rank` integer NOT NULL,
	PRIMARY KEY(`order_no`, `user_id`),
	FOREIGN KEY (`order_no`) REFERENCES `messages`(`order_no`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_audience_viewer` ON `message_audience` (`user_id`,`group_id`,`order_no`);--> statement-breakpoint
CREATE INDEX `message_audience_stream` ON `message_audience` (`user_id`,`order_no`);--> statement-breakpoint
CREATE TABLE `messages` (
	`order_no` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`msg_id` text NOT NULL,
	`create_id` text NOT NULL,
	`sender` text NOT NULL,
	`receiver` text,
	`pair_key` text,
	`group_id` text,
	`targeted` integer DEFAULT 0 NOT NULL,
	`targets` text,
	`seq_base` integer NOT NULL,
	`elem_type` integer NOT NULL,
	`text` text,
	`custom_data` text,
	`custom_desc` text,
	`custom_ext` text,
	`at_users` text,
	`priority` integer NOT NULL,
	`excluded_unread` integer NOT NULL,
	`excluded_last` integer NOT NULL,
	`need_read_receipt` integer NOT NULL,
	`cloud_custom_data` text,
	`local_custom_data` text,
	`random` integer NOT NULL,
	`timestamp` integer NOT NULL,
	`revoked_at` integer,
	`revoked_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_msg_id` ON `messages` (`msg_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_create_id` ON `messages` (`create_id`);--> statement-breakpoint
CREATE INDEX `messages_group` ON `messages` (`group_id`,`targeted`,`order_no`);--> statement-breakpoint
CREATE INDEX `messages_pair` ON `messages` (`pair_key`,`order_no`);--> statement-breakpoint
CREATE INDEX `messages_receiver` ON `messages` (`receiver`,`order_no`);--> statement-breakpoint
CREATE INDEX `messages_sender` ON `messages` (`sender`,`order_no`);--> statement-breakpoint
CREATE TABLE `users` (
	`user_id` text PRIMARY KEY NOT NULL,
	`nick_name` text,
	`face_url` text,
	`created_at` integer NOT NULL
);
