DROP INDEX `messages_group`;--> statement-breakpoint
DROP INDEX `messages_pair`;--> statement-breakpoint
DROP INDEX `messages_receiver`;--> statement-breakpoint
DROP INDEX `messages_sender`;--> statement-breakpoint
CREATE INDEX `messages_group` ON `messages` (`group_id`,`targeted`,`order_no`) WHERE "messages"."group_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_pair` ON `messages` (`pair_key`,`order_no`) WHERE "messages"."pair_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_receiver` ON `messages` (`receiver`,`order_no`) WHERE "messages"."receiver" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_sender` ON `messages` (`sender`,`order_no`) WHERE "messages"."pair_key" IS NOT NULL;