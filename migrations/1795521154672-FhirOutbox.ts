import { MigrationInterface, QueryRunner } from 'typeorm';

import { dropTenantIsolationSql, isolateTenantTableSql } from './support/rls';

/**
 * The outbox of the FHIR store (issue 7): one row per committed change to a CarePlan, Task,
 * ServiceRequest, Coverage or Encounter, written in the change's transaction. `sequence` is
 * gap-free and in commit order per tenant: it is assigned after commit by one sequencer at a
 * time (src/fhir/store/outbox.repository.ts), so a transaction that commits late can never slip
 * in behind a number a reader has already passed. `fhir_outbox_heads` holds each tenant's last
 * assigned number.
 */
export class FhirOutbox1795521154672 implements MigrationInterface {
  name = 'FhirOutbox1795521154672';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "fhir_outbox" (
        "id" bigserial NOT NULL,
        "tenant_id" character varying(63) NOT NULL,
        "sequence" bigint,
        "resource_type" character varying(64) NOT NULL,
        "resource_id" character varying(64) NOT NULL,
        "version_id" integer NOT NULL,
        "interaction" character varying(8) NOT NULL,
        "topics" text[] NOT NULL,
        "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "client_id" character varying(128) NOT NULL,
        CONSTRAINT "PK_fhir_outbox" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_fhir_outbox_interaction" CHECK ("interaction" IN ('create', 'update', 'delete'))
      )
    `);
    // Readers follow a tenant's feed by sequence; the sequencer's queue is the rows without one.
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_fhir_outbox_tenant_sequence" ON "fhir_outbox" ("tenant_id", "sequence") WHERE "sequence" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_fhir_outbox_unsequenced" ON "fhir_outbox" ("id") WHERE "sequence" IS NULL`);
    await queryRunner.query(`
      CREATE TABLE "fhir_outbox_heads" (
        "tenant_id" character varying(63) NOT NULL,
        "last_sequence" bigint NOT NULL,
        CONSTRAINT "PK_fhir_outbox_heads" PRIMARY KEY ("tenant_id")
      )
    `);
    for (const table of ['fhir_outbox', 'fhir_outbox_heads']) {
      for (const sql of isolateTenantTableSql(table)) await queryRunner.query(sql);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['fhir_outbox_heads', 'fhir_outbox']) {
      for (const sql of dropTenantIsolationSql(table)) await queryRunner.query(sql);
    }
    await queryRunner.query(`DROP TABLE "fhir_outbox_heads"`);
    await queryRunner.query(`DROP TABLE "fhir_outbox"`);
  }
}
