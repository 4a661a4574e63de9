ALTER TABLE "transactions" ADD COLUMN "parked_reason" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "settlement_retries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "transactions_parked_withdrawals" ON "transactions" USING btree ("parked_at") WHERE "transactions"."parked_at" is not null;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_settlement_retries_non_negative" CHECK ("transactions"."settlement_retries" >= 0);