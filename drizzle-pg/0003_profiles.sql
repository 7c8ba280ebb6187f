ALTER TABLE "users" ADD COLUMN "self_signature" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "gender" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "custom_info" text;