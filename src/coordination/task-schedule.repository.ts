import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PreparedQueries } from '../platform/database/prepared-query';

/** A Task's place in the schedule: when the sweep next has something to decide (undefined: nothing). */
export interface TaskWake {
  readonly taskId: string;
  readonly wakeAt: string | undefined;
}

/** A due row, and the keyset position to read on from. */
export interface DueTask {
  readonly taskId: string;
  readonly wakeAt: string;
}

/**
 * SQL of `coordination_task_schedule`: the Tasks with something ahead of them (a reminder to
 * release, a due time to watch), kept in step with every Task write by the store's react step.
 */
@Injectable()
export class TaskScheduleRepository {
  /** For the statements of every Task write (their plans are the primary key's, whatever the values). */
  private readonly prepared = new PreparedQueries();

  /**
   * Writes the wake times of Tasks just written, in one statement: rows with a time are
   * inserted or moved, rows without one are removed. `created`: the Tasks are new, so there is
   * nothing to remove.
   */
  async apply(tx: EntityManager, tenantId: string, wakes: readonly TaskWake[], created: boolean): Promise<void> {
    const scheduled = wakes.filter((w) => w.wakeAt !== undefined);
    const cleared = created ? [] : wakes.filter((w) => w.wakeAt === undefined);
    if (scheduled.length === 0 && cleared.length === 0) return;
    await this.prepared.rows(
      tx,
      `WITH cleared AS (
         DELETE FROM coordination_task_schedule WHERE tenant_id = $1 AND task_id = ANY($4::text[])
       )
       INSERT INTO coordination_task_schedule (tenant_id, task_id, wake_at)
       SELECT $1, t.task_id, t.wake_at FROM unnest($2::text[], $3::timestamptz[]) AS t(task_id, wake_at)
       ON CONFLICT (tenant_id, task_id) DO UPDATE SET wake_at = EXCLUDED.wake_at
         WHERE coordination_task_schedule.wake_at IS DISTINCT FROM EXCLUDED.wake_at`,
      [tenantId, scheduled.map((w) => w.taskId), scheduled.map((w) => w.wakeAt), cleared.map((w) => w.taskId)],
    );
  }

  async remove(tx: EntityManager, tenantId: string, taskIds: readonly string[]): Promise<void> {
    if (taskIds.length === 0) return;
    await this.prepared.rows(tx, `DELETE FROM coordination_task_schedule WHERE tenant_id = $1 AND task_id = ANY($2::text[])`, [tenantId, [...taskIds]]);
  }

  /**
   * Up to `limit` Tasks of a tenant whose time has come (`wake_at <= now`), oldest first, after
   * the keyset position `after` (the last row of the batch before): one index range.
   */
  async due(tx: EntityManager, tenantId: string, now: Date, limit: number, after?: DueTask): Promise<DueTask[]> {
    const rows: { task_id: string; wake_at: Date }[] = await tx.query(
      `SELECT task_id, wake_at FROM coordination_task_schedule
        WHERE tenant_id = $1 AND wake_at <= $2
          AND ($4::timestamptz IS NULL OR (wake_at, task_id) > ($4::timestamptz, $5::text))
        ORDER BY wake_at, task_id
        LIMIT $3`,
      [tenantId, now.toISOString(), limit, after?.wakeAt ?? null, after?.taskId ?? null],
    );
    return rows.map((row) => ({ taskId: row.task_id, wakeAt: row.wake_at.toISOString() }));
  }

  /**
   * The tenants with due Tasks, across tenants (service work, `asService`): a skip scan over
   * the index, one probe per tenant, however many rows there are.
   */
  async tenantsWithDueTasks(tx: EntityManager, now: Date): Promise<string[]> {
    const rows: { tenant_id: string }[] = await tx.query(
      `WITH RECURSIVE tenants(tenant_id) AS (
         (SELECT tenant_id FROM coordination_task_schedule ORDER BY tenant_id LIMIT 1)
         UNION ALL
         SELECT (SELECT s.tenant_id FROM coordination_task_schedule s WHERE s.tenant_id > t.tenant_id ORDER BY s.tenant_id LIMIT 1)
           FROM tenants t WHERE t.tenant_id IS NOT NULL
       )
       SELECT tenant_id FROM tenants t
        WHERE t.tenant_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM coordination_task_schedule s WHERE s.tenant_id = t.tenant_id AND s.wake_at <= $1)`,
      [now.toISOString()],
    );
    return rows.map((row) => row.tenant_id);
  }

  /**
   * Takes the tenant's sweep turn for this transaction (`pg_try_advisory_xact_lock`): false when
   * another instance is sweeping the tenant right now. Writers never take it, so it blocks nobody.
   * In the same round trip, the transaction's `lock_timeout` is set to `lockTimeout` (e.g. `2s`):
   * the batch never queues long behind a writer's row lock (it fails and the next run retries).
   */
  async tryLockTenantSweep(tx: EntityManager, tenantId: string, lockTimeout: string): Promise<boolean> {
    const rows: { locked: boolean }[] = await this.prepared.rows(
      tx,
      `SELECT set_config('lock_timeout', $2, true) AS timeout, pg_try_advisory_xact_lock(hashtext('liaison.coordination.sweep'), hashtext($1)) AS locked`,
      [tenantId, lockTimeout],
    );
    return rows[0]?.locked === true;
  }
}
