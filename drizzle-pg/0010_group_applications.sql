CREATE TABLE "group_applications" (
	"app_no" bigserial PRIMARY KEY NOT NULL,
	"group_id" text NOT NULL,
	"from_user" text NOT NULL,
	"to_user" text DEFAULT '' NOT NULL,
	"type" bigint NOT NULL,
	"request_msg" text,
	"add_time" bigint NOT NULL,
	"handled_by" text,
	"handle_result" bigint,
	"handled_msg" text
);
--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "add_opt" bigint;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "approve_opt" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "group_application_read" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "group_applications" ADD CONSTRAINT "group_applications_group_id_groups_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "groups"("group_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "group_applications_key" ON "group_applications" USING btree ("group_id","from_user","to_user","type");--> statement-breakpoint
CREATE INDEX "group_applications_group" ON "group_applications" USING btree ("group_id","app_no");--> statement-breakpoint
CREATE INDEX "group_applications_from" ON "group_applications" USING btree ("from_user");