import { MigrationInterface, QueryRunner } from 'typeorm';

import { dropTenantIsolationSql, isolateTenantTableSql } from './support/rls';

/**
 * The FHIR resource store (issue 3): current versions, every version, and the identifiers that
 * must stay unique per tenant. The search index tables are the search migration's.
 */
export class FhirStore1795518873289 implements MigrationInterface {
  name = 'FhirStore1795518873289';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Current version of each resource; a deleted one keeps its row (deleted = true, content =
    // its last version) so a read answers 410 and the id is never reused by accident.
    await queryRunner.query(`
      CREATE TABLE "fhir_resources" (
        "tenant_id" character varying(63) NOT NULL,
        "resource_type" character varying(64) NOT NULL,
        "id" character varying(64) NOT NULL,
        "version_id" integer NOT NULL,
        "last_updated" TIMESTAMP WITH TIME ZONE NOT NULL,
        "deleted" boolean NOT NULL DEFAULT false,
        "content" jsonb NOT NULL,
        CONSTRAINT "PK_fhir_resources" PRIMARY KEY ("tenant_id", "resource_type", "id")
      ) WITH (fillfactor = 90)
    `);
    // Every version, the current one included; a delete is a version with deleted = true.
    await queryRunner.query(`
      CREATE TABLE "fhir_resource_history" (
        "tenant_id" character varying(63) NOT NULL,
        "resource_type" character varying(64) NOT NULL,
        "id" character varying(64) NOT NULL,
        "version_id" integer NOT NULL,
        "last_updated" TIMESTAMP WITH TIME ZONE NOT NULL,
        "deleted" boolean NOT NULL DEFAULT false,
        "content" jsonb NOT NULL,
        CONSTRAINT "PK_fhir_resource_history" PRIMARY KEY ("tenant_id", "resource_type", "id", "version_id")
      )
    `);
    // Type history (GET /Task/_history, newest first, _since).
    await queryRunner.query(`
      CREATE INDEX "IDX_fhir_resource_history_type_updated"
        ON "fhir_resource_history" ("tenant_id", "resource_type", "last_updated" DESC, "id" DESC, "version_id" DESC)
    `);
    // A Patient identifier (system|value) belongs to one Patient per tenant: conditional creates
    // claim it with INSERT … ON CONFLICT, so concurrent writers cannot make two.
    await queryRunner.query(`
      CREATE TABLE "fhir_unique_identifiers" (
        "tenant_id" character varying(63) NOT NULL,
        "resource_type" character varying(64) NOT NULL,
        "system" text NOT NULL,
        "value" text NOT NULL,
        "resource_id" character varying(64) NOT NULL,
        CONSTRAINT "PK_fhir_unique_identifiers" PRIMARY KEY ("tenant_id", "resource_type", "system", "value")
      )
    `);
    await queryRunner.query(`
      CREATE INDEX "IDX_fhir_unique_identifiers_resource"
        ON "fhir_unique_identifiers" ("tenant_id", "resource_type", "resource_id")
    `);
    for (const table of ['fhir_resources', 'fhir_resource_history', 'fhir_unique_identifiers']) {
      for (const sql of isolateTenantTableSql(table)) await queryRunner.query(sql);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['fhir_unique_identifiers', 'fhir_resource_history', 'fhir_resources']) {
      for (const sql of dropTenantIsolationSql(table)) await queryRunner.query(sql);
    }
    await queryRunner.query(`DROP TABLE "fhir_unique_identifiers"`);
    await queryRunner.query(`DROP TABLE "fhir_resource_history"`);
    await queryRunner.query(`DROP TABLE "fhir_resources"`);
  }
}
