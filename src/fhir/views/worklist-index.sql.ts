import type { Task } from '@medplum/fhirtypes';
import { taskWorklistEntry } from '@liaison/task-workflow';

/**
 * The `fhir_task_worklist` part of the store's index step (migration TaskWorklistIndex): the
 * typed worklist columns of each Task written, upserted in the indexer's statement, and the
 * row removed when the Task is deleted. `add` appends a parameter and returns its placeholder;
 * `$1` is the tenant.
 */
export function worklistUpsertSql(tasks: readonly Task[], baseUrl: string, add: (value: unknown) => string, where = ''): string {
  const columns: Record<string, { type: string; values: unknown[] }> = {
    task_id: { type: 'text', values: [] },
    status: { type: 'text', values: [] },
    open: { type: 'bool', values: [] },
    code: { type: 'text', values: [] },
    urgency: { type: 'int2', values: [] },
    due_at: { type: 'timestamptz', values: [] },
    owner: { type: 'text', values: [] },
    patient_id: { type: 'text', values: [] },
    overdue_marked: { type: 'bool', values: [] },
  };
  for (const task of tasks) {
    const entry = taskWorklistEntry(task, baseUrl);
    const row: Record<keyof typeof columns, unknown> = {
      task_id: task.id,
      status: entry.status,
      open: entry.open,
      code: entry.code ?? null,
      urgency: entry.urgency,
      due_at: entry.dueAt === undefined ? 'infinity' : new Date(entry.dueAt).toISOString(),
      owner: entry.owner ?? null,
      patient_id: entry.patientId ?? null,
      overdue_marked: entry.overdueMarked,
    };
    for (const [name, column] of Object.entries(columns)) column.values.push(row[name]);
  }
  const names = Object.keys(columns);
  const arrays = Object.values(columns).map((column) => `${add(column.values)}::${column.type}[]`);
  return (
    `INSERT INTO fhir_task_worklist (tenant_id, ${names.join(', ')})` +
    ` SELECT $1, * FROM unnest(${arrays.join(', ')})${where}` +
    ` ON CONFLICT (tenant_id, task_id) DO UPDATE SET ${names
      .filter((name) => name !== 'task_id')
      .map((name) => `${name} = EXCLUDED.${name}`)
      .join(', ')}`
  );
}

/** Drops the worklist row of a deleted Task; `$1` tenant, `$2` resource type, `$3` id (a no-op for other types). */
export const WORKLIST_DELETE_CTE = `d_worklist AS (DELETE FROM fhir_task_worklist WHERE tenant_id = $1 AND $2::text = 'Task' AND task_id = $3)`;
