ALTER TABLE `drafts` ADD `elem` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `elem` text;