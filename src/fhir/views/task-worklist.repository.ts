import { Injectable } from '@nestjs/common';
import type { Resource, Task } from '@medplum/fhirtypes';
import type { EntityManager } from 'typeorm';
import { PreparedQueries } from '../../platform/database/prepared-query';
import type { ReferencePath, ReferencingRow } from './resource-reads.repository';

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

/** What else the page's statement reads, so a view of the page needs no second round trip. */
export interface WorklistIncludes {
  /** The live Patients the page's Tasks are for (`Task.for`). */
  readonly patients?: boolean;
  /** The live resources that reference those Patients through each path (e.g. Coverage.beneficiary), at most `limit` per path. */
  readonly referencingPatients?: { readonly paths: readonly ReferencePath[]; readonly limit: number };
}

/** A page with what `WorklistIncludes` asked for. */
export interface WorklistPageRows {
  readonly rows: WorklistRow[];
  /** The ids of the Patients the page's Tasks are for, found or not (with `includes.patients` or paths). */
  readonly patientIds: string[];
  /** Those that are live (with `includes.patients`). */
  readonly patients: Resource[];
  /** Per path of `includes.referencingPatients.paths`, in its order: the resources referencing those Patients, by Patient then id. */
  readonly referencing: ReferencingRow[][];
}

type PageRow = { part: number; key: string; urgency: number; due_key: string; patient_id: string | null; content: Resource };

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

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

function rowLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`not a row limit: ${limit}`);
  return limit;
}

/**
 * One statement for a page and what it shows with it: the page (part 0, in page order), the
 * Patients its Tasks are for (part 1) and the resources referencing those Patients (part 2 + i
 * for path i, by Patient then id). Rows come back ordered by part, then position in the part.
 */
function withPatients(sql: Sql, page: string, keys: readonly string[], patients: boolean, paths: readonly ReferencePath[], limit: number): string {
  const ordinal = keys.map((key) => key.replace('w.', 'p.')).join(', ');
  const parts = [
    `SELECT 0 AS part, row_number() OVER (ORDER BY ${ordinal}) AS n, p.task_id AS key, p.urgency, p.due_at::text AS due_key, p.patient_id, p.content FROM page p`,
  ];
  if (patients) {
    parts.push(
      `SELECT 1, 0, r.id, NULL, NULL, NULL, r.content FROM fhir_resources r
        WHERE r.tenant_id = $1 AND r.resource_type = 'Patient' AND r.id IN (SELECT id FROM patients) AND NOT r.deleted`,
    );
  }
  paths.forEach((path, index) => {
    if (!RESOURCE_TYPE.test(path.resourceType)) throw new Error(`not a resource type: ${path.resourceType}`);
    parts.push(
      `SELECT ${index + 2}, row_number() OVER (), c.target_id, NULL, NULL, NULL, c.content
         FROM (SELECT DISTINCT ON (s.target_id, t.id) s.target_id, t.content
                 FROM fhir_search_reference s
                 JOIN fhir_resources t ON t.tenant_id = s.tenant_id AND t.resource_type = s.resource_type AND t.id = s.resource_id
                WHERE s.tenant_id = $1 AND s.resource_type = '${path.resourceType}' AND s.param = ${sql.add(path.param)}
                  AND s.target_type = 'Patient' AND s.target_id IN (SELECT id FROM patients) AND NOT t.deleted
                ORDER BY s.target_id, t.id LIMIT ${limit}) c`,
    );
  });
  return (
    `WITH page AS MATERIALIZED (SELECT w.task_id, w.urgency, w.due_at, w.patient_id, r.content ${page}),
       patients AS (SELECT DISTINCT patient_id AS id FROM page WHERE patient_id IS NOT NULL)
     SELECT part, key, urgency, due_key, patient_id, content
       FROM (${parts.join(' UNION ALL ')}) parts (part, n, key, urgency, due_key, patient_id, content)
      ORDER BY part, n`
  );
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
    includes: WorklistIncludes = {},
  ): Promise<WorklistPageRows> {
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
    // The limit is part of the text, not a parameter: with `LIMIT $n` PostgreSQL's generic plan
    // assumes a tenth of the table is wanted, so it re-plans the statement on every run.
    const page = `FROM fhir_task_worklist w
         JOIN fhir_resources r ON r.tenant_id = w.tenant_id AND r.resource_type = 'Task' AND r.id = w.task_id
        WHERE ${sql.where.join(' AND ')} AND NOT r.deleted
        ORDER BY ${keys.join(', ')} LIMIT ${rowLimit(limit)}`;
    const paths = includes.referencingPatients?.paths ?? [];
    const text =
      !includes.patients && paths.length === 0
        ? `SELECT 0 AS part, w.task_id AS key, w.urgency, w.due_at::text AS due_key, w.patient_id, r.content ${page}`
        : withPatients(sql, page, keys, !!includes.patients, paths, rowLimit(includes.referencingPatients?.limit ?? 1));
    const found = await this.prepared.rows<PageRow>(tx, text, sql.values);
    const result: WorklistPageRows = { rows: [], patientIds: [], patients: [], referencing: paths.map(() => []) };
    const patientIds = new Set<string>();
    for (const row of found) {
      if (row.part === 0) {
        result.rows.push({ task: row.content as Task, position: { dueAt: row.due_key, urgency: row.urgency, taskId: row.key } });
        if (row.patient_id !== null) patientIds.add(row.patient_id);
      } else if (row.part === 1) result.patients.push(row.content);
      else result.referencing[row.part - 2].push({ targetId: row.key, resource: row.content });
    }
    if (includes.patients || paths.length > 0) result.patientIds.push(...patientIds);
    return result;
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
