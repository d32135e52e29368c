ALTER TABLE "api_keys" ADD COLUMN "leaked_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "leaked_url" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "leaked_source" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "revoked_for_leak" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "leaked_key_action" text DEFAULT 'revoke' NOT NULL;--> statement-breakpoint
CREATE INDEX "api_keys_secret_hash_idx" ON "api_keys" USING btree ("secret_hash") WHERE "api_keys"."secret_hash" is not null;--> statement-breakpoint
CREATE INDEX "api_keys_previous_secret_hash_idx" ON "api_keys" USING btree ("previous_secret_hash") WHERE "api_keys"."previous_secret_hash" is not null;--> statement-breakpoint
CREATE INDEX "api_keys_revoked_for_leak_idx" ON "api_keys" USING btree ("org_id","revoked_at") WHERE "api_keys"."revoked_for_leak";