CREATE TABLE "hidden_messages" (
	"user_id" text NOT NULL,
	"order_no" bigint NOT NULL,
	CONSTRAINT "hidden_messages_user_id_order_no_pk" PRIMARY KEY("user_id","order_no")
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "is_pinned" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "draft_text" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "draft_timestamp" bigint;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "mark_bits" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "recv_opt" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "hidden" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "cleared_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "at_me_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "at_all_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "last_hidden" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "last_fallback" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "at_all_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_group_seq" ON "messages" USING btree ("group_id","seq_base") WHERE "messages"."group_id" IS NOT NULL;