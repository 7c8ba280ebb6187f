ALTER TABLE `group_members` ADD `custom_info` text;--> statement-breakpoint
ALTER TABLE `groups` ADD `custom_info` text;