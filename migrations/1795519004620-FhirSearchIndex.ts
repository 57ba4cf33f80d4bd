import { MigrationInterface, QueryRunner } from 'typeorm';

import { dropTenantIsolationSql, isolateTenantTableSql } from './support/rls';

/**
 * The FHIR search index: one table per search-parameter type, one row per extracted value,
 * rewritten with the resource (src/fhir/search/search-indexer.ts). Each table has a
 * `(resource_id)` index to replace a resource's rows, and a value index that starts with
 * (tenant_id, resource_type, param, value…) for searches. Value columns compare bytewise
 * (COLLATE "C") so prefix searches (`starts_with`) use the index.
 *
 * `fhir_search_reference.status` repeats the resource's own `status` code, so the worklist
 * query "reference + status" (`Task?owner=…&status=requested`) is one index range.
 */
export class FhirSearchIndex1795519004620 implements MigrationInterface {
  name = 'FhirSearchIndex1795519004620';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const owner = `
      "tenant_id" varchar(63) NOT NULL,
      "resource_type" varchar(64) NOT NULL,
      "resource_id" varchar(64) NOT NULL,
      "param" varchar(64) NOT NULL`;
    await queryRunner.query(`
      CREATE TABLE "fhir_search_token" (${owner},
        "system" text COLLATE "C",
        "code" text COLLATE "C",
        "text" text COLLATE "C"
      )`);
    await queryRunner.query(`
      CREATE TABLE "fhir_search_string" (${owner},
        "value" text COLLATE "C" NOT NULL,
        "exact" text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "fhir_search_reference" (${owner},
        "target_type" varchar(64),
        "target_id" varchar(64),
        "url" text COLLATE "C",
        "status" varchar(64)
      )`);
    await queryRunner.query(`
      CREATE TABLE "fhir_search_date" (${owner},
        "low" timestamptz NOT NULL,
        "high" timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "fhir_search_quantity" (${owner},
        "value" double precision NOT NULL,
        "system" text,
        "code" text
      )`);

    for (const table of TABLES) {
      await queryRunner.query(`CREATE INDEX "${table}_resource" ON "${table}" ("resource_id")`);
    }
    await queryRunner.query(`
      CREATE INDEX "fhir_search_token_value" ON "fhir_search_token"
        ("tenant_id", "resource_type", "param", "code", "resource_id") INCLUDE ("system")`);
    await queryRunner.query(`
      CREATE INDEX "fhir_search_string_value" ON "fhir_search_string"
        ("tenant_id", "resource_type", "param", "value", "resource_id")`);
    await queryRunner.query(`
      CREATE INDEX "fhir_search_reference_value" ON "fhir_search_reference"
        ("tenant_id", "resource_type", "param", "target_id", "target_type", "status", "resource_id")`);
    await queryRunner.query(`
      CREATE INDEX "fhir_search_reference_url" ON "fhir_search_reference"
        ("tenant_id", "resource_type", "param", "url") WHERE "url" IS NOT NULL`);
    await queryRunner.query(`
      CREATE INDEX "fhir_search_date_value" ON "fhir_search_date"
        ("tenant_id", "resource_type", "param", "low", "high")`);
    await queryRunner.query(`
      CREATE INDEX "fhir_search_quantity_value" ON "fhir_search_quantity"
        ("tenant_id", "resource_type", "param", "value")`);

    for (const table of TABLES) {
      for (const sql of isolateTenantTableSql(table)) await queryRunner.query(sql);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      for (const sql of dropTenantIsolationSql(table)) await queryRunner.query(sql);
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}

const TABLES = [
  'fhir_search_token',
  'fhir_search_string',
  'fhir_search_reference',
  'fhir_search_date',
  'fhir_search_quantity',
] as const;
