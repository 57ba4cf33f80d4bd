import type { Client } from 'pg';
import type { BenchContext, BenchScenario } from '../scenario';
import { accessToken } from '../service-token';

/**
 * The GraphQL worklist (issue 6): a coordinator's first page of open work (20 Tasks by due
 * date) with each patient's name and coverage, over 1M Tasks / 100k Patients. The floor runs
 * the statement the service runs (the worklist page with the page's patients and their
 * coverage, in one statement) with bare `pg`, prepared as the service prepares it.
 *
 * The data is written in bulk with SQL, in the shapes the FHIR store writes (current rows of
 * `fhir_resources`, the Task worklist index, the reference index rows coverage lookups use);
 * the version history of these rows is not written (nothing here reads it).
 */

const TENANT = 'default';
export const BENCH_TASKS = 1_000_000;
export const BENCH_PATIENTS = 100_000;
const COORDINATORS = 200;
const CHUNK = 100_000;
/** The coordinator whose worklist is read (about 1,000 open of 5,000 Tasks). */
export const BENCH_OWNER = 'Practitioner/bench-c7';

const META = `jsonb_build_object('versionId', '1', 'lastUpdated', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

/** Practitioners (coordinators), Patients and their Coverage, with the reference index rows. */
const SEED_PEOPLE = [
  `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
   SELECT $1, 'Practitioner', 'bench-c' || k, 1, now(), false,
          jsonb_build_object('resourceType', 'Practitioner', 'id', 'bench-c' || k, 'meta', ${META},
            'name', jsonb_build_array(jsonb_build_object('family', 'Coordinator' || k, 'given', jsonb_build_array('Casey'))))
     FROM generate_series(0, ${COORDINATORS - 1}) k
   ON CONFLICT DO NOTHING`,
  `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
   SELECT $1, 'Patient', 'bp-' || k, 1, now(), false,
          jsonb_build_object('resourceType', 'Patient', 'id', 'bp-' || k, 'meta', ${META},
            'identifier', jsonb_build_array(jsonb_build_object('system', 'urn:oid:2.16.840.1.113883.19.5', 'value', 'MRN' || lpad(k::text, 8, '0'))),
            'name', jsonb_build_array(jsonb_build_object('use', 'official', 'family', 'Family' || k, 'given', jsonb_build_array('Given' || (k % 997)))),
            'gender', CASE WHEN k % 2 = 0 THEN 'female' ELSE 'male' END,
            'birthDate', to_char(date '1940-01-01' + (k % 20000), 'YYYY-MM-DD'))
     FROM generate_series($2::int, $3::int) k
   ON CONFLICT DO NOTHING`,
  `WITH c AS (
     INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
     SELECT $1, 'Coverage', 'bc-' || k, 1, now(), false,
            jsonb_build_object('resourceType', 'Coverage', 'id', 'bc-' || k, 'meta', ${META}, 'status', 'active',
              'beneficiary', jsonb_build_object('reference', 'Patient/bp-' || k),
              'payor', jsonb_build_array(jsonb_build_object('reference', 'Organization/bench-payer-' || (k % 20), 'display', 'Payer ' || (k % 20))),
              'period', jsonb_build_object('start', '2026-01-01'))
       FROM generate_series($2::int, $3::int) k
     ON CONFLICT DO NOTHING
     RETURNING id)
   INSERT INTO fhir_search_reference (tenant_id, resource_type, resource_id, param, target_type, target_id, url, status)
   SELECT $1, 'Coverage', c.id, p.param, 'Patient', 'bp-' || substr(c.id, 4), NULL, 'active'
     FROM c CROSS JOIN (VALUES ('beneficiary'), ('patient')) AS p(param)`,
];

/** Tasks `$2`…`$3` and their worklist rows: 20 % open, due within ±60 days of now, owned round-robin. */
const SEED_TASKS = `
  WITH t AS (
    SELECT 'bt-' || n AS id,
           'bp-' || (n % ${BENCH_PATIENTS}) AS patient_id,
           'Practitioner/bench-c' || (n % ${COORDINATORS}) AS owner,
           CASE WHEN (n / ${COORDINATORS}) % 10 < 8 THEN 'completed' WHEN (n / ${COORDINATORS}) % 10 = 8 THEN 'requested' ELSE 'in-progress' END AS status,
           CASE (n / 3) % 20 WHEN 0 THEN 'stat' WHEN 1 THEN 'asap' WHEN 2 THEN 'urgent' WHEN 3 THEN 'urgent' ELSE 'routine' END AS priority,
           (ARRAY['post-discharge-contact', 'follow-up-appointment', 'medication-reconciliation', 'home-health'])[(n / 11) % 4 + 1] AS code,
           date_trunc('minute', now()) + ((n::bigint * 7919) % 172800 - 86400) * interval '1 minute' AS due
      FROM generate_series($2::int, $3::int) n),
  r AS (
    INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
    SELECT $1, 'Task', t.id, 1, now(), false,
           jsonb_build_object('resourceType', 'Task', 'id', t.id,
             'meta', ${META} || jsonb_build_object('profile', jsonb_build_array('http://liaison.health/fhir/StructureDefinition/liaison-task')),
             'status', t.status, 'intent', 'order', 'priority', t.priority,
             'code', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object('system', 'http://liaison.health/fhir/CodeSystem/task-code', 'code', t.code))),
             'for', jsonb_build_object('reference', 'Patient/' || t.patient_id),
             'owner', jsonb_build_object('reference', t.owner),
             'authoredOn', to_char((t.due - interval '3 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
             'restriction', jsonb_build_object('period', jsonb_build_object('end', to_char(t.due AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))))
      FROM t
    ON CONFLICT DO NOTHING)
  INSERT INTO fhir_task_worklist (tenant_id, task_id, status, open, code, urgency, due_at, owner, patient_id, overdue_marked)
  SELECT $1, t.id, t.status, t.status <> 'completed', t.code,
         CASE t.priority WHEN 'stat' THEN 0 WHEN 'asap' THEN 1 WHEN 'urgent' THEN 2 ELSE 3 END,
         t.due, t.owner, t.patient_id, false
    FROM t
  ON CONFLICT DO NOTHING`;

/** Writes the data set (idempotent: a second call adds nothing), then refreshes planner statistics. */
export async function seedWorklistData(sql: BenchContext['sql']): Promise<void> {
  await sql(SEED_PEOPLE[0], [TENANT]);
  for (let from = 0; from < BENCH_PATIENTS; from += CHUNK) {
    const to = Math.min(from + CHUNK, BENCH_PATIENTS) - 1;
    await sql(SEED_PEOPLE[1], [TENANT, from, to]);
    await sql(SEED_PEOPLE[2], [TENANT, from, to]);
  }
  for (let from = 0; from < BENCH_TASKS; from += CHUNK) {
    await sql(SEED_TASKS, [TENANT, from, Math.min(from + CHUNK, BENCH_TASKS) - 1]);
  }
  await sql('VACUUM (ANALYZE) fhir_resources, fhir_task_worklist, fhir_search_reference');
  // Write the seeded pages out now rather than in a checkpoint during the measurement.
  await sql('CHECKPOINT');
}

/** The request an app sends: the first 20 open Tasks, with patient name and coverage. */
export const WORKLIST_QUERY = `query Worklist($owner: String!) {
  worklist(filter: { owner: $owner }, first: 20) {
    edges { cursor node {
      id status priority taskCode dueDate overdue
      patient { id name }
      coverage { status period { start end } payor { display } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * The statement the service runs for that request (TaskWorklistRepository.page with the page's
 * patients and their coverage): the page of 21 rows (one more tells whether a next page
 * exists), the Patients its Tasks are for, and the Coverage that references them.
 */
const WORKLIST_FLOOR_SQL = `
  WITH page AS MATERIALIZED (
         SELECT w.task_id, w.urgency, w.due_at, w.patient_id, r.content
           FROM fhir_task_worklist w
           JOIN fhir_resources r ON r.tenant_id = w.tenant_id AND r.resource_type = 'Task' AND r.id = w.task_id
          WHERE w.tenant_id = $1 AND w.open AND w.status = ANY($2::text[]) AND w.owner = $3 AND NOT r.deleted
          ORDER BY w.due_at, w.task_id LIMIT 21),
       patients AS (SELECT DISTINCT patient_id AS id FROM page WHERE patient_id IS NOT NULL)
  SELECT part, key, urgency, due_key, patient_id, content
    FROM (SELECT 0 AS part, row_number() OVER (ORDER BY p.due_at, p.task_id) AS n, p.task_id AS key, p.urgency,
                 p.due_at::text AS due_key, p.patient_id, p.content
            FROM page p
          UNION ALL
          SELECT 1, 0, r.id, NULL, NULL, NULL, r.content FROM fhir_resources r
           WHERE r.tenant_id = $1 AND r.resource_type = 'Patient' AND r.id IN (SELECT id FROM patients) AND NOT r.deleted
          UNION ALL
          SELECT 2, row_number() OVER (), c.target_id, NULL, NULL, NULL, c.content
            FROM (SELECT DISTINCT ON (s.target_id, t.id) s.target_id, t.content
                    FROM fhir_search_reference s
                    JOIN fhir_resources t ON t.tenant_id = s.tenant_id AND t.resource_type = s.resource_type AND t.id = s.resource_id
                   WHERE s.tenant_id = $1 AND s.resource_type = 'Coverage' AND s.param = $4
                     AND s.target_type = 'Patient' AND s.target_id IN (SELECT id FROM patients) AND NOT t.deleted
                   ORDER BY s.target_id, t.id LIMIT 20000) c) parts (part, n, key, urgency, due_key, patient_id, content)
   ORDER BY part, n`;

/** The service's statement for that request, as bare `pg` runs it: prepared, no tenant transaction. */
export async function worklistFloorOnce(db: Client): Promise<void> {
  const rows = await db.query({
    name: 'bench-graphql-worklist',
    text: WORKLIST_FLOOR_SQL,
    values: [TENANT, ['requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold'], BENCH_OWNER, 'beneficiary'],
  });
  if (rows.rows.filter((row: { part: number }) => row.part === 0).length !== 21) throw new Error('the floor read no full page');
}

export const graphqlWorklist: BenchScenario = {
  name: 'graphql-worklist',
  description: `POST /graphql worklist: 20 open Tasks of one coordinator with patient names and coverage, over ${BENCH_TASKS / 1e6}M Tasks / ${BENCH_PATIENTS / 1e3}k Patients`,
  async service(context) {
    await seedWorklistData((text, params) => context.sql(text, params));
    const token = await accessToken(context.baseUrl, context.client);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ query: WORKLIST_QUERY, variables: { owner: BENCH_OWNER } });
    const probe = await fetch(new URL('/graphql', context.baseUrl), { method: 'POST', headers, body });
    const answer = (await probe.json()) as { data?: { worklist?: { edges?: unknown[] } }; errors?: unknown };
    if (probe.status !== 200 || answer.errors || answer.data?.worklist?.edges?.length !== 20) {
      throw new Error(`POST /graphql answered ${probe.status}: ${JSON.stringify(answer).slice(0, 500)}`);
    }
    return { kind: 'http', request: { method: 'POST', path: '/graphql', headers, body } };
  },
  async floor() {
    return { description: 'the worklist page with its patients and their coverage: 1 prepared SELECT', once: (db) => worklistFloorOnce(db) };
  },
};
