/**
 * Fills `fhir_task_worklist` from the Tasks already stored, when the table is created. New
 * writes go through `taskWorklistEntry` (libs/task-workflow); this is the same extraction in
 * SQL for what was there before, for the common shapes: a due time with a time and zone (or a
 * plain date, meaning by the end of that UTC day), local `Type/id` references. Anything odd
 * (a partial date, an absolute URL) gets no due time or the reference as written, and is
 * corrected the next time the Task is written.
 */
export const TASK_WORKLIST_BACKFILL_SQL = `
  INSERT INTO "fhir_task_worklist"
    ("tenant_id", "task_id", "status", "open", "code", "urgency", "due_at", "owner", "patient_id", "overdue_marked")
  SELECT r.tenant_id,
         r.id,
         r.content->>'status',
         (r.content->>'status') NOT IN ('rejected', 'cancelled', 'failed', 'completed', 'entered-in-error'),
         COALESCE(
           (SELECT c->>'code' FROM jsonb_array_elements(COALESCE(r.content->'code'->'coding', '[]')) c
             WHERE c->>'system' = 'http://liaison.health/fhir/CodeSystem/task-code' LIMIT 1),
           r.content#>>'{code,coding,0,code}'),
         CASE r.content->>'priority' WHEN 'stat' THEN 0 WHEN 'asap' THEN 1 WHEN 'urgent' THEN 2 ELSE 3 END,
         CASE
           WHEN due ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$' THEN due::timestamptz
           WHEN due ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN ((due::date + 1)::timestamp AT TIME ZONE 'UTC') - interval '1 millisecond'
           ELSE 'infinity'::timestamptz
         END,
         r.content#>>'{owner,reference}',
         substring(r.content#>>'{for,reference}' FROM '^Patient/([A-Za-z0-9.-]{1,64})$'),
         COALESCE(r.content->'businessStatus'->'coding', '[]') @>
           '[{"system": "http://liaison.health/fhir/CodeSystem/task-business-status", "code": "overdue"}]'
    FROM "fhir_resources" r
   CROSS JOIN LATERAL (SELECT r.content#>>'{restriction,period,end}' AS due) d
   WHERE r.resource_type = 'Task' AND NOT r.deleted
`;
