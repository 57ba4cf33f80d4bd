import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The FHIR worklist search, `Task?owner=…&status=…`, served from the resource rows themselves:
 * two generated columns on `fhir_resources` (a Task's owner reference, trimmed and without its
 * `/_history/n`, as the search index normalises it; and its status code; NULL for other types)
 * and one partial index on them. A page of a worklist is then one index range plus its rows,
 * like a hand-made table with an (owner, status) index, instead of an index-table lookup and a
 * probe of the resource table per match (src/fhir/search/search-query.builder.ts, worklistSql).
 *
 * Generated columns rather than expression indexes: under row-level security an index is only
 * used through leakproof operators, and `=` on a text column is one while `jsonb #>>` is not.
 * The store writes explicit column lists, so the columns are invisible to it.
 */
export class FhirSearchWorklistColumns1795521830604 implements MigrationInterface {
  name = 'FhirSearchWorklistColumns1795521830604';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "fhir_resources"
        ADD COLUMN "search_owner" text GENERATED ALWAYS AS (CASE WHEN "resource_type" = 'Task'
          THEN regexp_replace(btrim("content" #>> '{owner,reference}'), '/_history/[^/]*$', '') END) STORED,
        ADD COLUMN "search_status" text GENERATED ALWAYS AS (CASE WHEN "resource_type" = 'Task'
          THEN "content" ->> 'status' END) STORED`);
    await queryRunner.query(`
      CREATE INDEX "fhir_resources_task_worklist" ON "fhir_resources"
        ("tenant_id", "resource_type", "search_owner", "search_status", "id") WHERE "search_owner" IS NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "fhir_resources_task_worklist"`);
    await queryRunner.query(`ALTER TABLE "fhir_resources" DROP COLUMN "search_owner", DROP COLUMN "search_status"`);
  }
}
