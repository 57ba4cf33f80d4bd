import { MigrationInterface, QueryRunner } from 'typeorm';

import { dropTenantIsolationSql, isolateTenantTableSql } from './support/rls';
import { TASK_WORKLIST_BACKFILL_SQL } from './support/task-worklist-backfill';

/**
 * The Task worklist index (issue 6): one row per live Task with what worklists filter and sort
 * on, in typed columns (status, open, code, urgency, due time, owner, patient, marked overdue),
 * written by the store's index step with the Task (src/fhir/search/search-indexer.ts, from
 * `taskWorklistEntry` in libs/task-workflow). A page of a worklist is one range of one index:
 * "my open work by due date" is (tenant, owner, due, id) over open Tasks only.
 *
 * `due_at` is `infinity` when a Task has no due time (sorts last, never overdue); `urgency`
 * is 0 (stat) … 3 (routine) so that "most urgent first" is ascending like the due time.
 */
export class TaskWorklistIndex1795521151739 implements MigrationInterface {
  name = 'TaskWorklistIndex1795521151739';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "fhir_task_worklist" (
        "tenant_id" character varying(63) NOT NULL,
        "task_id" character varying(64) NOT NULL,
        "status" character varying(32) NOT NULL,
        "open" boolean NOT NULL,
        "code" text COLLATE "C",
        "urgency" smallint NOT NULL,
        "due_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "owner" text COLLATE "C",
        "patient_id" character varying(64),
        "overdue_marked" boolean NOT NULL DEFAULT false,
        CONSTRAINT "PK_fhir_task_worklist" PRIMARY KEY ("tenant_id", "task_id")
      )
    `);
    const indexes: [string, string, string?][] = [
      ['IDX_fhir_task_worklist_open_owner_due', '"tenant_id", "owner", "due_at", "task_id"', 'open'],
      ['IDX_fhir_task_worklist_open_due', '"tenant_id", "due_at", "task_id"', 'open'],
      ['IDX_fhir_task_worklist_open_owner_urgency', '"tenant_id", "owner", "urgency", "due_at", "task_id"', 'open'],
      ['IDX_fhir_task_worklist_open_urgency', '"tenant_id", "urgency", "due_at", "task_id"', 'open'],
      ['IDX_fhir_task_worklist_owner_status', '"tenant_id", "owner", "status", "due_at", "task_id"'],
      ['IDX_fhir_task_worklist_patient', '"tenant_id", "patient_id", "due_at", "task_id"'],
    ];
    for (const [name, columns, where] of indexes) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "fhir_task_worklist" (${columns})${where ? ` WHERE "${where}"` : ''}`);
    }
    for (const sql of isolateTenantTableSql('fhir_task_worklist')) await queryRunner.query(sql);
    await queryRunner.query(TASK_WORKLIST_BACKFILL_SQL);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of dropTenantIsolationSql('fhir_task_worklist')) await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "fhir_task_worklist"`);
  }
}
