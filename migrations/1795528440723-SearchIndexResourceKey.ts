import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['fhir_search_token', 'fhir_search_string', 'fhir_search_reference', 'fhir_search_date', 'fhir_search_quantity'];

/**
 * Each search index table gets a (tenant_id, resource_type, resource_id, param) index in place of
 * its (resource_id) one. Every lookup by resource names all four (the store replacing a
 * resource's rows, `:missing`, `_sort` and the EXISTS of each search filter), so this index
 * is the one plan for them. With (resource_id) alone, the index replacement's prepared DELETE
 * got a generic plan on the value index instead and read every row of the type per write.
 */
export class SearchIndexResourceKey1795528440723 implements MigrationInterface {
  name = 'SearchIndexResourceKey1795528440723';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.query(`CREATE INDEX "${table}_owner" ON "${table}" ("tenant_id", "resource_type", "resource_id", "param")`);
      await queryRunner.query(`DROP INDEX "${table}_resource"`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.query(`CREATE INDEX "${table}_resource" ON "${table}" ("resource_id")`);
      await queryRunner.query(`DROP INDEX "${table}_owner"`);
    }
  }
}
