CREATE TABLE `group_applications` (
	`app_no` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`group_id` text NOT NULL,
	`from_user` text NOT NULL,
	`to_user` text DEFAULT '' NOT NULL,
	`type` integer NOT NULL,
	`request_msg` text,
	`add_time` integer NOT NULL,
	`handled_by` text,
	`handle_result` integer,
	`handled_msg` text,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`group_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `group_applications_key` ON `group_applications` (`group_id`,`from_user`,`to_user`,`type`);--> statement-breakpoint
CREATE INDEX `group_applications_group` ON `group_applications` (`group_id`,`app_no`);--> statement-breakpoint
CREATE INDEX `group_applications_from` ON `group_applications` (`from_user`);--> statement-breakpoint
ALTER TABLE `groups` ADD `add_opt` integer;--> statement-breakpoint
ALTER TABLE `groups` ADD `approve_opt` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `group_application_read` integer DEFAULT 0 NOT NULL;