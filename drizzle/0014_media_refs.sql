CREATE TABLE `media_refs` (
	`holder` text NOT NULL,
	`blob_id` text NOT NULL,
	`uploader` text NOT NULL,
	`kind` text NOT NULL,
	`content_type` text NOT NULL,
	`file_name` text,
	PRIMARY KEY(`holder`, `blob_id`)
);
--> statement-breakpoint
CREATE INDEX `media_refs_blob` ON `media_refs` (`blob_id`,`uploader`);--> statement-breakpoint
CREATE TABLE `merged_messages` (
	`holder` text PRIMARY KEY NOT NULL,
	`body` text NOT NULL
);
