CREATE TABLE "message_readers" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"order_no" bigint NOT NULL,
	"user_id" text NOT NULL,
	"read_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_receipts" (
	"order_no" bigint PRIMARY KEY NOT NULL,
	"audience" bigint NOT NULL,
	"read_count" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "group_members" ADD COLUMN "join_head" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "message_readers" ADD CONSTRAINT "message_readers_order_no_messages_order_no_fk" FOREIGN KEY ("order_no") REFERENCES "messages"("order_no") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_receipts" ADD CONSTRAINT "message_receipts_order_no_messages_order_no_fk" FOREIGN KEY ("order_no") REFERENCES "messages"("order_no") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "message_readers_user" ON "message_readers" USING btree ("order_no","user_id");--> statement-breakpoint
CREATE INDEX "message_readers_order" ON "message_readers" USING btree ("order_no","seq");--> statement-breakpoint
-- Members from before this column: their window start stands in for the head at their join (0 in Meeting groups).
UPDATE "group_members" SET "join_head" = "join_order";