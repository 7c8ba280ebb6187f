CREATE TABLE "media_chunks" (
	"blob_id" text NOT NULL,
	"n" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "media_chunks_blob_id_n_pk" PRIMARY KEY("blob_id","n")
);
