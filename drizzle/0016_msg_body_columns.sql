ALTER TABLE `drafts` DROP COLUMN `text`;--> statement-breakpoint
ALTER TABLE `drafts` DROP COLUMN `custom_data`;--> statement-breakpoint
ALTER TABLE `drafts` DROP COLUMN `custom_desc`;--> statement-breakpoint
ALTER TABLE `drafts` DROP COLUMN `custom_ext`;--> statement-breakpoint
ALTER TABLE `drafts` DROP COLUMN `elem`;--> statement-breakpoint
ALTER TABLE `messages` DROP COLUMN `text`;--> statement-breakpoint
ALTER TABLE `messages` DROP COLUMN `custom_data`;--> statement-breakpoint
ALTER TABLE `messages` DROP COLUMN `custom_desc`;--> statement-breakpoint
ALTER TABLE `messages` DROP COLUMN `custom_ext`;--> statement-breakpoint
ALTER TABLE `messages` DROP COLUMN `elem`;