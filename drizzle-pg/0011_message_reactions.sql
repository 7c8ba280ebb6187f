CREATE TABLE "message_reactions" (
	"order_no" bigint NOT NULL,
	"reaction_id" text NOT NULL,
	"user_id" text NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "message_reactions_order_no_reaction_id_user_id_pk" PRIMARY KEY("order_no","reaction_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_order_no_messages_order_no_fk" FOREIGN KEY ("order_no") REFERENCES "messages"("order_no") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_reactions_order" ON "message_reactions" USING btree ("order_no","reaction_id","seq");