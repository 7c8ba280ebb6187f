CREATE TABLE `message_reactions` (
	`order_no` integer NOT NULL,
	`reaction_id` text NOT NULL,
	`user_id` text NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`order_no`, `reaction_id`, `user_id`),
	FOREIGN KEY (`order_no`) REFERENCES `messages`(`order_no`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_reactions_order` ON `message_reactions` (`order_no`,`reaction_id`,`seq`);