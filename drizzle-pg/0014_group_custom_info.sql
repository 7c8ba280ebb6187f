ALTER TABLE "group_members" ADD COLUMN "custom_info" text;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "custom_info" text;