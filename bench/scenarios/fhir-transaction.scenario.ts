import { randomUUID } from 'node:crypto';
import type { BenchScenario } from '../scenario';
import { coordinationTask, floorTable, post } from './fhir-task-create.scenario';

/**
 * A 10-entry FHIR transaction (issue 3), next to bare `pg` inserting the same ten resources as
 * `jsonb` rows in one statement.
 */

const CODES = [
  'post-discharge-contact',
  'follow-up-appointment',
  'medication-reconciliation',
  'home-health',
  'durable-medical-equipment',
  'transportation',
  'financial-assistance',
  'referral',
  'check-up-reminder',
];

/** A discharge plan: one CarePlan and nine Tasks pointing at it and back, by urn:uuid. */
function dischargeTransaction(): Record<string, unknown> {
  const planUrn = 'urn:uuid:00000000-0000-4000-8000-000000000000';
  const taskUrns = CODES.map((_, i) => `urn:uuid:00000000-0000-4000-8000-00000000000${i + 1}`);
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: planUrn,
        resource: {
          resourceType: 'CarePlan',
          status: 'active',
          intent: 'plan',
          subject: { reference: 'Patient/bench-patient' },
          activity: taskUrns.map((urn) => ({ reference: { reference: urn } })),
        },
        request: { method: 'POST', url: 'CarePlan' },
      },
      ...CODES.map((code, i) => ({
        fullUrl: taskUrns[i],
        resource: coordinationTask(code, 'Patient/bench-patient', planUrn),
        request: { method: 'POST', url: 'Task' },
      })),
    ],
  };
}

export const fhirTransaction: BenchScenario = {
  name: 'fhir-transaction',
  description: 'POST /fhir/R4: a 10-entry transaction (CarePlan + 9 Tasks, urn:uuid references)',
  async service(context) {
    const body = JSON.stringify(dischargeTransaction());
    const headers = await post(context, '/fhir/R4', body, 200);
    return { kind: 'http', request: { method: 'POST', path: '/fhir/R4', headers, body } };
  },
  async floor(context) {
    await floorTable(context);
    const entries = (dischargeTransaction().entry as { resource: unknown }[]).map((entry) => JSON.stringify(entry.resource));
    return {
      description: 'INSERT the 10 resources as jsonb rows in one statement (one transaction)',
      async once(db) {
        await db.query('INSERT INTO bench_floor_resources (id, content) SELECT * FROM unnest($1::uuid[], $2::jsonb[])', [
          entries.map(() => randomUUID()),
          entries,
        ]);
      },
    };
  },
};
