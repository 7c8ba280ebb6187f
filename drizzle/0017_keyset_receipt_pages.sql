DROP INDEX `message_readers_order`;--> statement-breakpoint
ALTER TABLE `message_readers` ADD `arrival` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Readers from before this column: numbered per message in the order they came (their global seq).
UPDATE `message_readers` SET `arrival` = n.`no`
  FROM (SELECT `seq`, row_number() OVER (PARTITION BY `order_no` ORDER BY `seq`) AS `no` FROM `message_readers`) AS n
  WHERE n.`seq` = `message_readers`.`seq`;--> statement-breakpoint
CREATE UNIQUE INDEX `message_readers_arrival` ON `message_readers` (`order_no`,`arrival`);--> statement-breakpoint
ALTER TABLE `group_members` ADD `join_no` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Members from before this column: numbered per group in the order they joined (the group's head then, the time).
UPDATE `group_members` SET `join_no` = n.`no`
  FROM (SELECT `group_id`, `user_id`, row_number() OVER (PARTITION BY `group_id` ORDER BY `join_head`, `join_time`, `user_id`) AS `no`
    FROM `group_members`) AS n
  WHERE n.`group_id` = `group_members`.`group_id` AND n.`user_id` = `group_members`.`user_id`;--> statement-breakpoint
CREATE INDEX `group_members_join_no` ON `group_members` (`group_id`,`join_no`);
