ALTER TABLE `users` ADD `self_signature` text;--> statement-breakpoint
ALTER TABLE `users` ADD `gender` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `custom_info` text;