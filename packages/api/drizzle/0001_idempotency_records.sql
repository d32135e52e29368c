CREATE TABLE "idempotency_records" (
	"scope" "bytea" PRIMARY KEY NOT NULL,
	"procedure" text NOT NULL,
	"input_hash" "bytea" NOT NULL,
	"answer" text NOT NULL,
	"secret_client_key" text,
	"secret_fingerprint" "bytea",
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "idempotency_records_created_idx" ON "idempotency_records" USING btree ("created_at");