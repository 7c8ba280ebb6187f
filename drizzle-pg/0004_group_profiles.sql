ALTER TABLE "groups" ADD COLUMN "notification" text;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "introduction" text;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "face_url" text;