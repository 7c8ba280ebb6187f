ALTER TABLE "drafts" ADD COLUMN "elem" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "elem" text;