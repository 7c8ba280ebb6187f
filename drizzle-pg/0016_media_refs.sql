CREATE TABLE "media_refs" (
	"holder" text NOT NULL,
	"blob_id" text NOT NULL,
	"uploader" text NOT NULL,
	"kind" text NOT NULL,
	"content_type" text NOT NULL,
	"file_name" text,
	CONSTRAINT "media_refs_holder_blob_id_pk" PRIMARY KEY("holder","blob_id")
);
--> statement-breakpoint
CREATE TABLE "merged_messages" (
	"holder" text PRIMARY KEY NOT NULL,
	"body" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "media_refs_blob" ON "media_refs" USING btree ("blob_id","uploader");