import { Injectable } from '@nestjs/common';
import type { Task } from '@medplum/fhirtypes';
import type { EntityManager } from 'typeorm';
import { PreparedQueries } from '../../platform/database/prepared-query';

/** Which Tasks a worklist shows; every field narrows (AND). */
export interface WorklistCriteria {
  /** Statuses to show (FHIR codes); never empty. */
  readonly statuses: readonly string[];
  /** Owner as a local reference `Type/id`. */
  readonly owner?: string;
  /** Liaison task codes (`post-discharge-contact`). */
  readonly codes?: readonly string[];
  /** Urgencies (0 stat … 3 routine, see `taskUrgency`). */
  readonly urgencies?: readonly number[];
  readonly patientId?: string;
  /** Due strictly before this instant (ISO). */
  readonly dueBefore?: string;
  /** Due at or after this instant (ISO). */
  readonly dueAfter?: string;
  /** Only overdue (true) or only not overdue (false) Tasks at `now`: open, and marked or past due. */
  readonly overdue?: { readonly is: boolean; readonly now: string };
}

export type WorklistOrder = 'due' | 'priority';

/** Where a page ends: the sort key of its last row (opaque to callers but stable). */
export interface WorklistPosition {
  /** `due_at` as PostgreSQL writes it (reads back exactly, `infinity` included). */
  readonly dueAt: string;
  readonly urgency: number;
  readonly taskId: string;
}

export interface WorklistRow {
  readonly task: Task;
  readonly position: WorklistPosition;
}

/** Open statuses (`isOpenStatus`): a worklist of only these may use the open-only indexes. */
const OPEN = new Set(['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold']);

class Sql {
  readonly values: unknown[];
  readonly where: string[];

  constructor(tenantId: string) {
    this.values = [tenantId];
    this.where = ['w.tenant_id = $1'];
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function filter(sql: Sql, criteria: WorklistCriteria): void {
  const { where } = sql;
  const statuses = new Set(criteria.statuses);
  const onlyOpen = [...statuses].every((status) => OPEN.has(status));
  // A literal, so the planner may use the partial (open-only) indexes.
  if (onlyOpen) where.push('w.open');
  if (!onlyOpen || statuses.size < OPEN.size) where.push(`w.status = ANY(${sql.add([...statuses])}::text[])`);
  if (criteria.owner !== undefined) where.push(`w.owner = ${sql.add(criteria.owner)}`);
  if (criteria.patientId !== undefined) where.push(`w.patient_id = ${sql.add(criteria.patientId)}`);
  if (criteria.codes?.length) where.push(`w.code = ANY(${sql.add(criteria.codes)}::text[])`);
  if (criteria.urgencies?.length) where.push(`w.urgency = ANY(${sql.add(criteria.urgencies)}::int2[])`);
  if (criteria.dueBefore !== undefined) where.push(`w.due_at < ${sql.add(criteria.dueBefore)}::timestamptz`);
  if (criteria.dueAfter !== undefined) where.push(`w.due_at >= ${sql.add(criteria.dueAfter)}::timestamptz`);
  if (criteria.overdue) {
    const overdue = `(w.open AND (w.overdue_marked OR w.due_at < ${sql.add(criteria.overdue.now)}::timestamptz))`;
    where.push(criteria.overdue.is ? overdue : `NOT ${overdue}`);
  }
}

/**
 * SQL of worklists over `fhir_task_worklist` (the typed index the store writes with every
 * Task) joined to the Tasks themselves. Every statement names the tenant; a page is one range
 * of one index in its sort order, continued after the last row seen (keyset), so rows inserted
 * between pages are neither lost nor repeated.
 */
@Injectable()
export class TaskWorklistRepository {
  private readonly prepared = new PreparedQueries();

  async page(
    tx: EntityManager,
    tenantId: string,
    criteria: WorklistCriteria,
    order: WorklistOrder,
    after: WorklistPosition | undefined,
    limit: number,
  ): Promise<WorklistRow[]> {
    const sql = new Sql(tenantId);
    filter(sql, criteria);
    const keys = order === 'due' ? ['w.due_at', 'w.task_id'] : ['w.urgency', 'w.due_at', 'w.task_id'];
    if (after) {
      const position =
        order === 'due'
          ? [`${sql.add(after.dueAt)}::timestamptz`, sql.add(after.taskId)]
          : [`${sql.add(after.urgency)}::int2`, `${sql.add(after.dueAt)}::timestamptz`, sql.add(after.taskId)];
      sql.where.push(`(${keys.join(', ')}) > (${position.join(', ')})`);
    }
    const rows = await this.prepared.rows<{ task_id: string; urgency: number; due_key: string; content: Task }>(
      tx,
      `SELECT w.task_id, w.urgency, w.due_at::text AS due_key, r.content
         FROM fhir_task_worklist w
         JOIN fhir_resources r ON r.tenant_id = w.tenant_id AND r.resource_type = 'Task' AND r.id = w.task_id
        WHERE ${sql.where.join(' AND ')} AND NOT r.deleted
        ORDER BY ${keys.join(', ')} LIMIT ${sql.add(limit)}`,
      sql.values,
    );
    return rows.map((row) => ({ task: row.content, position: { dueAt: row.due_key, urgency: row.urgency, taskId: row.task_id } }));
  }

  async count(tx: EntityManager, tenantId: string, criteria: WorklistCriteria): Promise<number> {
    const sql = new Sql(tenantId);
    filter(sql, criteria);
    const [row] = await this.prepared.rows<{ total: number }>(
      tx,
      `SELECT count(*)::int AS total FROM fhir_task_worklist w WHERE ${sql.where.join(' AND ')}`,
      sql.values,
    );
    return row.total;
  }
}
