import { MigrationInterface, QueryRunner } from 'typeorm';

import { dropTenantIsolationSql, isolateTenantTableSql } from './support/rls';

/**
 * Ingest (issue 4): every message received (HL7 v2 over MLLP, FHIR notifications), stored raw
 * with its outcome before it is answered, and the time of the newest message that wrote each
 * resource (an older message never overwrites newer data).
 */
export class Ingest1795520943206 implements MigrationInterface {
  name = 'Ingest1795520943206';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // One row per message. A resend (same sender, control id and content) finds its row through
    // the unique index and gets the stored reply; concurrent resends wait on the index entry.
    // Control ids reused for different content are different rows (content_sha256 differs).
    await queryRunner.query(`
      CREATE TABLE "ingest_messages" (
        "id" uuid NOT NULL,
        "tenant_id" character varying(63) NOT NULL,
        "protocol" character varying(16) NOT NULL,
        "sender" text NOT NULL,
        "control_id" text,
        "content_sha256" bytea NOT NULL,
        "message_type" text,
        "message_time" TIMESTAMP WITH TIME ZONE,
        "raw" bytea NOT NULL,
        "received_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "status" character varying(16) NOT NULL,
        "reply_code" character varying(2),
        "reply" text,
        "reply_status" integer,
        "error" jsonb,
        "effects" jsonb NOT NULL DEFAULT '[]',
        "attempts" integer NOT NULL DEFAULT 1,
        "processed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_ingest_messages" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_ingest_messages_protocol" CHECK ("protocol" IN ('hl7v2', 'fhir-messaging')),
        CONSTRAINT "CHK_ingest_messages_status" CHECK ("status" IN ('processing', 'processed', 'error', 'rejected', 'failed'))
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "UQ_ingest_messages_identity"
        ON "ingest_messages" ("tenant_id", "protocol", "sender", "control_id", "content_sha256")
    `);
    await queryRunner.query(`
      CREATE INDEX "IDX_ingest_messages_received" ON "ingest_messages" ("tenant_id", "received_at" DESC)
    `);
    // The newest message (by its own time, EVN-2/MSH-7 or Bundle.timestamp) that wrote a resource.
    await queryRunner.query(`
      CREATE TABLE "ingest_resource_watermarks" (
        "tenant_id" character varying(63) NOT NULL,
        "resource_type" character varying(64) NOT NULL,
        "resource_id" character varying(64) NOT NULL,
        "message_time" TIMESTAMP WITH TIME ZONE NOT NULL,
        "message_id" uuid NOT NULL,
        CONSTRAINT "PK_ingest_resource_watermarks" PRIMARY KEY ("tenant_id", "resource_type", "resource_id")
      )
    `);
    for (const table of ['ingest_messages', 'ingest_resource_watermarks']) {
      for (const sql of isolateTenantTableSql(table)) await queryRunner.query(sql);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['ingest_resource_watermarks', 'ingest_messages']) {
      for (const sql of dropTenantIsolationSql(table)) await queryRunner.query(sql);
    }
    await queryRunner.query(`DROP TABLE "ingest_resource_watermarks"`);
    await queryRunner.query(`DROP TABLE "ingest_messages"`);
  }
}
