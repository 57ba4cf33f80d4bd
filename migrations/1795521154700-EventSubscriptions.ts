import { MigrationInterface, QueryRunner } from 'typeorm';

import { dropTenantIsolationSql, isolateTenantTableSql } from './support/rls';

/**
 * Topic-based Subscriptions and webhook delivery (issue 7). `event_subscriptions` is the
 * delivery state of each FHIR Subscription (the resource itself is in the FHIR store):
 * what it asked for, its secret(s), how far the outbox has been matched against it
 * (`scanned_sequence`), how many events it has (`event_count`, the last event number) and how
 * many the endpoint acknowledged (`delivered_count`), the batch in flight, the retry schedule
 * and the worker's lease. `event_subscription_events` numbers each subscription's events
 * (1, 2, …) and points at the outbox row, so `$events` can replay any range.
 */
export class EventSubscriptions1795521154700 implements MigrationInterface {
  name = 'EventSubscriptions1795521154700';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "event_subscriptions" (
        "tenant_id" character varying(63) NOT NULL,
        "id" character varying(64) NOT NULL,
        "client_id" character varying(128) NOT NULL,
        "scopes" text[] NOT NULL,
        "topic" text NOT NULL,
        "filters" jsonb NOT NULL DEFAULT '[]',
        "endpoint" text NOT NULL,
        "payload" character varying(16) NOT NULL,
        "content_type" character varying(64) NOT NULL,
        "headers" jsonb NOT NULL DEFAULT '[]',
        "heartbeat_seconds" integer,
        "timeout_seconds" integer NOT NULL,
        "max_count" integer NOT NULL,
        "ends_at" TIMESTAMP WITH TIME ZONE,
        "status" character varying(16) NOT NULL,
        "secret" text NOT NULL,
        "previous_secret" text,
        "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE,
        "scanned_sequence" bigint NOT NULL,
        "event_count" bigint NOT NULL DEFAULT 0,
        "delivered_count" bigint NOT NULL DEFAULT 0,
        "handshake_pending" boolean NOT NULL DEFAULT true,
        "handshake_serial" integer NOT NULL DEFAULT 1,
        "inflight_from" bigint,
        "inflight_to" bigint,
        "consecutive_failures" integer NOT NULL DEFAULT 0,
        "failing_since" TIMESTAMP WITH TIME ZONE,
        "next_attempt_at" TIMESTAMP WITH TIME ZONE,
        "last_sent_at" TIMESTAMP WITH TIME ZONE,
        "last_error" text,
        "lease_owner" character varying(64),
        "lease_until" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_event_subscriptions" PRIMARY KEY ("tenant_id", "id"),
        CONSTRAINT "CHK_event_subscriptions_status" CHECK ("status" IN ('requested', 'active', 'error', 'off')),
        CONSTRAINT "CHK_event_subscriptions_payload" CHECK ("payload" IN ('empty', 'id-only', 'full-resource')),
        CONSTRAINT "CHK_event_subscriptions_counts" CHECK ("delivered_count" <= "event_count")
      )
    `);
    // The delivery workers' queue: subscriptions with something due.
    await queryRunner.query(`
      CREATE INDEX "IDX_event_subscriptions_due" ON "event_subscriptions" ("next_attempt_at") WHERE "status" <> 'off'
    `);
    await queryRunner.query(`
      CREATE TABLE "event_subscription_events" (
        "tenant_id" character varying(63) NOT NULL,
        "subscription_id" character varying(64) NOT NULL,
        "event_number" bigint NOT NULL,
        "sequence" bigint NOT NULL,
        CONSTRAINT "PK_event_subscription_events" PRIMARY KEY ("tenant_id", "subscription_id", "event_number"),
        CONSTRAINT "FK_event_subscription_events_subscription" FOREIGN KEY ("tenant_id", "subscription_id")
          REFERENCES "event_subscriptions" ("tenant_id", "id") ON DELETE CASCADE
      )
    `);
    for (const table of ['event_subscriptions', 'event_subscription_events']) {
      for (const sql of isolateTenantTableSql(table)) await queryRunner.query(sql);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['event_subscription_events', 'event_subscriptions']) {
      for (const sql of dropTenantIsolationSql(table)) await queryRunner.query(sql);
    }
    await queryRunner.query(`DROP TABLE "event_subscription_events"`);
    await queryRunner.query(`DROP TABLE "event_subscriptions"`);
  }
}
