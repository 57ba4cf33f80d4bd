import { MigrationInterface, QueryRunner } from 'typeorm';

import { dropTenantIsolationSql, isolateTenantTableSql } from './support/rls';

/**
 * Coordination (issue 5): per-tenant settings (time zone, holiday calendar, queues,
 * round-robin coordinators and cursor) and the schedule index of Tasks the sweep must look at.
 */
export class Coordination1795520810953 implements MigrationInterface {
  name = 'Coordination1795520810953';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // One row per tenant that changed a default; a tenant without a row runs on the defaults
    // (src/coordination/coordination-settings.repository.ts).
    await queryRunner.query(`
      CREATE TABLE "coordination_settings" (
        "tenant_id" character varying(63) NOT NULL,
        "time_zone" character varying(64) NOT NULL DEFAULT 'America/New_York',
        "calendar" character varying(64) NOT NULL DEFAULT 'us-federal',
        "default_queue" text NOT NULL DEFAULT 'HealthcareService/care-coordination',
        "supervisor_queue" text NOT NULL DEFAULT 'HealthcareService/coordination-supervisors',
        "coordinators" text[] NOT NULL DEFAULT '{}',
        "round_robin_next" integer NOT NULL DEFAULT 0,
        "escalation_business_days" integer NOT NULL DEFAULT 1,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_coordination_settings" PRIMARY KEY ("tenant_id"),
        CONSTRAINT "FK_coordination_settings_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE,
        CONSTRAINT "CHK_coordination_settings_round_robin" CHECK ("round_robin_next" >= 0),
        CONSTRAINT "CHK_coordination_settings_escalation" CHECK ("escalation_business_days" >= 0)
      )
    `);
    // Tasks with something ahead of them: a draft reminder until it becomes ready
    // (restriction.period.start), an open Task until it is due (restriction.period.end) and
    // marked overdue. Kept in step with every Task write, in the write's transaction, by the
    // store's react step; rows go away when there is nothing left to wake up for, so the sweep
    // reads an index range of due rows, never the Tasks themselves.
    await queryRunner.query(`
      CREATE TABLE "coordination_task_schedule" (
        "tenant_id" character varying(63) NOT NULL,
        "task_id" character varying(64) NOT NULL,
        "wake_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_coordination_task_schedule" PRIMARY KEY ("tenant_id", "task_id")
      ) WITH (fillfactor = 80)
    `);
    await queryRunner.query(`
      CREATE INDEX "IDX_coordination_task_schedule_wake" ON "coordination_task_schedule" ("tenant_id", "wake_at", "task_id")
    `);
    for (const table of ['coordination_settings', 'coordination_task_schedule']) {
      for (const sql of isolateTenantTableSql(table)) await queryRunner.query(sql);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['coordination_task_schedule', 'coordination_settings']) {
      for (const sql of dropTenantIsolationSql(table)) await queryRunner.query(sql);
    }
    await queryRunner.query(`DROP TABLE "coordination_task_schedule"`);
    await queryRunner.query(`DROP TABLE "coordination_settings"`);
  }
}
