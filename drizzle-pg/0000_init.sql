CREATE TABLE "conversations" (
	"user_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"peer_id" text,
	"group_id" text,
	"read_order" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "conversations_user_id_conversation_id_pk" PRIMARY KEY("user_id","conversation_id")
);
--> statement-breakpoint
CREATE TABLE "drafts" (
	"id" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"elem_type" integer NOT NULL,
	"text" text,
	"custom_data" text,
	"custom_desc" text,
	"custom_ext" text,
	"at_users" text,
	"targets" text
);
--> statement-breakpoint
CREATE TABLE "group_members" (
	"group_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" integer NOT NULL,
	"join_time" bigint NOT NULL,
	"join_order" bigint NOT NULL,
	"mute_until" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "group_members_group_id_user_id_pk" PRIMARY KEY("group_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"group_id" text PRIMARY KEY NOT NULL,
	"group_type" text NOT NULL,
	"group_name" text NOT NULL,
	"owner" text NOT NULL,
	"created_at" bigint NOT NULL,
	"public_count" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_audience" (
	"order_no" bigint NOT NULL,
	"user_id" text NOT NULL,
	"group_id" text NOT NULL,
	"rank" bigint NOT NULL,
	CONSTRAINT "message_audience_order_no_user_id_pk" PRIMARY KEY("order_no","user_id")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"order_no" bigserial PRIMARY KEY NOT NULL,
	"msg_id" text NOT NULL,
	"create_id" text NOT NULL,
	"sender" text NOT NULL,
	"receiver" text,
	"pair_key" text,
	"group_id" text,
	"targeted" integer DEFAULT 0 NOT NULL,
	"targets" text,
	"seq_base" bigint NOT NULL,
	"elem_type" integer NOT NULL,
	"text" text,
	"custom_data" text,
	"custom_desc" text,
	"custom_ext" text,
	"at_users" text,
	"priority" integer NOT NULL,
	"excluded_unread" integer NOT NULL,
	"excluded_last" integer NOT NULL,
	"need_read_receipt" integer NOT NULL,
	"cloud_custom_data" text,
	"local_custom_data" text,
	"random" bigint NOT NULL,
	"timestamp" bigint NOT NULL,
	"revoked_at" bigint,
	"revoked_by" text
);
--> statement-breakpoint
CREATE TABLE "users" (
	"user_id" text PRIMARY KEY NOT NULL,
	"nick_name" text,
	"face_url" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_groups_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "groups"("group_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_audience" ADD CONSTRAINT "message_audience_order_no_messages_order_no_fk" FOREIGN KEY ("order_no") REFERENCES "messages"("order_no") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drafts_expires" ON "drafts" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "group_members_user" ON "group_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "message_audience_viewer" ON "message_audience" USING btree ("user_id","group_id","order_no");--> statement-breakpoint
CREATE INDEX "message_audience_stream" ON "message_audience" USING btree ("user_id","order_no");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_msg_id" ON "messages" USING btree ("msg_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_create_id" ON "messages" USING btree ("create_id");--> statement-breakpoint
CREATE INDEX "messages_group" ON "messages" USING btree ("group_id","targeted","order_no");--> statement-breakpoint
CREATE INDEX "messages_pair" ON "messages" USING btree ("pair_key","order_no");--> statement-breakpoint
CREATE INDEX "messages_receiver" ON "messages" USING btree ("receiver","order_no");--> statement-breakpoint
CREATE INDEX "messages_sender" ON "messages" USING btree ("sender","order_no");