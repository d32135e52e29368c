ALTER TABLE "key_usage_daily" ADD COLUMN "client_errors" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "key_usage_daily" ADD COLUMN "rate_limited" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "key_usage_daily" ADD COLUMN "server_errors" bigint DEFAULT 0 NOT NULL;