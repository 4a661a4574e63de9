CREATE TABLE "balance_locks" (
	"transaction_id" uuid PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"amount" bigint NOT NULL,
	"release_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "balance_locks_amount_positive" CHECK ("balance_locks"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"transaction_id" uuid NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"publish_attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	CONSTRAINT "outbox_transaction_id_attempt_pk" PRIMARY KEY("transaction_id","attempt")
);
--> statement-breakpoint
CREATE TABLE "transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "transactions_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" bigint NOT NULL,
	"type" text NOT NULL,
	"amount" bigint NOT NULL,
	"status" text NOT NULL,
	"idempotency_key" text,
	"release_at" timestamp (3) with time zone,
	"bank_reference" text,
	"failure_reason" text,
	"related_transaction_id" uuid,
	"parked_at" timestamp (6) with time zone,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transactions_user_id_positive" CHECK ("transactions"."user_id" > 0),
	CONSTRAINT "transactions_amount_positive" CHECK ("transactions"."amount" > 0),
	CONSTRAINT "transactions_type_valid" CHECK ("transactions"."type" in ('charge', 'withdrawal', 'refund')),
	CONSTRAINT "transactions_status_valid" CHECK ("transactions"."status" in ('pending', 'completed', 'failed')),
	CONSTRAINT "transactions_status_fits_type" CHECK ("transactions"."type" = 'withdrawal' or "transactions"."status" = 'completed'),
	CONSTRAINT "transactions_idempotency_key_valid" CHECK (("transactions"."type" = 'refund' and "transactions"."idempotency_key" is null) or ("transactions"."type" <> 'refund' and length("transactions"."idempotency_key") between 1 and 255)),
	CONSTRAINT "transactions_refund_has_withdrawal" CHECK ("transactions"."type" <> 'refund' or "transactions"."related_transaction_id" is not null),
	CONSTRAINT "transactions_release_only_on_charge" CHECK ("transactions"."release_at" is null or "transactions"."type" = 'charge')
);
--> statement-breakpoint
CREATE TABLE "wallets" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"available" bigint DEFAULT 0 NOT NULL,
	"locked" bigint DEFAULT 0 NOT NULL,
	"pending" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "wallets_user_id_positive" CHECK ("wallets"."user_id" > 0),
	CONSTRAINT "wallets_available_non_negative" CHECK ("wallets"."available" >= 0),
	CONSTRAINT "wallets_locked_non_negative" CHECK ("wallets"."locked" >= 0),
	CONSTRAINT "wallets_pending_non_negative" CHECK ("wallets"."pending" >= 0),
	CONSTRAINT "wallets_total_within_int64" CHECK ("wallets"."available"::numeric + "wallets"."locked"::numeric + "wallets"."pending"::numeric <= 9223372036854775807)
);
--> statement-breakpoint
ALTER TABLE "balance_locks" ADD CONSTRAINT "balance_locks_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_related_fk" FOREIGN KEY ("related_transaction_id") REFERENCES "public"."transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "balance_locks_user_release" ON "balance_locks" USING btree ("user_id","release_at");--> statement-breakpoint
CREATE INDEX "outbox_created_at" ON "outbox" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_user_idempotency_key" ON "transactions" USING btree ("user_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_user_seq" ON "transactions" USING btree ("user_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_one_refund_per_withdrawal" ON "transactions" USING btree ("related_transaction_id") WHERE "transactions"."type" = 'refund';--> statement-breakpoint
CREATE INDEX "transactions_pending_withdrawals" ON "transactions" USING btree ("created_at") WHERE "transactions"."type" = 'withdrawal' and "transactions"."status" = 'pending';