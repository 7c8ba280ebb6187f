ALTER TABLE `groups` ADD `notification` text;--> statement-breakpoint
ALTER TABLE `groups` ADD `introduction` text;--> statement-breakpoint
ALTER TABLE `groups` ADD `face_url` text;