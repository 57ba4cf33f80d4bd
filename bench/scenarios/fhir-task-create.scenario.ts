import { randomUUID } from 'node:crypto';
import type { BenchContext, BenchScenario } from '../scenario';
import { accessToken } from '../service-token';

/**
 * The FHIR store's write path (issue 3): a single Task create over FHIR REST, next to bare `pg`
 * inserting the same JSON as one `jsonb` row.
 */

const TASK_PROFILE = 'http://liaison.health/fhir/StructureDefinition/liaison-task';
const TASK_CODES = 'http://liaison.health/fhir/CodeSystem/task-code';

/** A coordination Task as the coordination engine writes it (profiled, so fully validated). */
export function coordinationTask(code: string, patient: string, basedOn?: string): Record<string, unknown> {
  return {
    resourceType: 'Task',
    meta: { profile: [TASK_PROFILE] },
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: TASK_CODES, code }] },
    description: 'Contact the patient after discharge',
    for: { reference: patient },
    ...(basedOn ? { basedOn: [{ reference: basedOn }] } : {}),
    owner: { reference: 'Practitioner/bench-coordinator' },
    authoredOn: '2026-01-05T10:00:00Z',
    restriction: { period: { end: '2026-01-07T17:00:00Z' } },
  };
}

export async function floorTable(context: BenchContext): Promise<void> {
  await context.sql(`CREATE TABLE IF NOT EXISTS bench_floor_resources (id uuid PRIMARY KEY, content jsonb NOT NULL)`);
}

export async function post(context: BenchContext, path: string, body: string, expected: number): Promise<Record<string, string>> {
  const token = await accessToken(context.baseUrl, context.client);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' };
  const probe = await fetch(new URL(path, context.baseUrl), { method: 'POST', headers, body });
  if (probe.status !== expected) throw new Error(`POST ${path} answered ${probe.status}: ${await probe.text()}`);
  return headers;
}

export const fhirTaskCreate: BenchScenario = {
  name: 'fhir-task-create',
  description: 'POST /fhir/R4/Task: a profiled coordination Task, validated, versioned, indexed',
  async service(context) {
    const body = JSON.stringify(coordinationTask('post-discharge-contact', 'Patient/bench-patient'));
    const headers = await post(context, '/fhir/R4/Task', body, 201);
    return { kind: 'http', request: { method: 'POST', path: '/fhir/R4/Task', headers, body } };
  },
  async floor(context) {
    await floorTable(context);
    const json = JSON.stringify(coordinationTask('post-discharge-contact', 'Patient/bench-patient'));
    return {
      description: 'INSERT one jsonb row (one autocommitted statement)',
      async once(db) {
        await db.query('INSERT INTO bench_floor_resources (id, content) VALUES ($1, $2::jsonb)', [randomUUID(), json]);
      },
    };
  },
};
