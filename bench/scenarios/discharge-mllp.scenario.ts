import { randomBytes, randomUUID } from 'node:crypto';
import type { BenchContext, BenchScenario } from '../scenario';
import type { LoopWorker } from '../loop.load';
import { analyze, BenchMllpConnection } from './adt-a01.scenario';

/**
 * Discharges end to end (issue 5): an HL7 v2 ADT^A03 (discharged home, PV1-36 01) of a new
 * inpatient over MLLP, acknowledged `AA` only after the message, the Patient and Encounter and
 * the whole discharge plan (CarePlan + 5 Tasks: post-discharge contact, follow-up, medication
 * reconciliation, check-up reminder, financial assistance: no IN1) are committed. Each of the
 * 16 workers keeps one MLLP connection and sends its next message when the ACK arrives.
 *
 * Before the load, 64 discharges are sent (4 per connection) and the database is analysed: a
 * fresh database has no planner statistics until autovacuum's first pass (a minute or more), and
 * until then PostgreSQL plans the store's searches as if every table were empty (ingest's search
 * of the Encounter by identifier walks every Encounter of the tenant: a discharge slows down as
 * the run goes, ~3x over 10 s). A production database has them (see `analyze` in adt-a01).
 *
 * Floor: bare `pg` writing the same eight resources (Patient, Encounter, CarePlan, 5 Tasks) as
 * `jsonb` rows in one transaction.
 */

/** An A03 of a new inpatient: admitted Friday 2026-11-20 10:00, discharged home Friday 2026-11-27 15:00 (New York). */
export function dischargeMessage(key: string): string {
  const time = '20261127150000-0500';
  return [
    `MSH|^~\\&|ADT|BENCHHOSP|LIAISON|LIAISON|${time}||ADT^A03^ADT_A03|${key}|P|2.5.1`,
    `EVN|A03|${time}`,
    `PID|1||MRN${key}^^^BENCHHOSP&2.16.840.1.113883.19.5&ISO^MR||DOE^JANE||19480302|F`,
    `PV1|1|I|4W^401^1|||||||MED|||||||||V${key}^^^BENCHHOSP&2.16.840.1.113883.19.6&ISO^VN|||||||||||||||||01||||||||20261120100000-0500|${time}`,
  ].join('\r');
}

export async function mllpDischargeWorker(context: BenchContext, run: string, worker: number): Promise<LoopWorker> {
  const connection = await BenchMllpConnection.open(context.mllpPort);
  return {
    async once(iteration) {
      await connection.send(dischargeMessage(`${run}${worker}x${iteration}`));
    },
    async close() {
      connection.close();
    },
  };
}

/** The eight resources a discharge writes, roughly as the service stores them. */
function planResources(key: string): Record<string, unknown>[] {
  const patient = `Patient/p-${key}`;
  const encounter = `Encounter/e-${key}`;
  const plan = `CarePlan/c-${key}`;
  const task = (code: string, due: string, status = 'ready'): Record<string, unknown> => ({
    resourceType: 'Task',
    meta: { profile: ['http://liaison.health/fhir/StructureDefinition/liaison-task'], source: `urn:liaison:hl7:BENCHHOSP:${key}` },
    identifier: [{ system: 'http://liaison.health/fhir/identifier/plan-activity', value: `${encounter}|encounter.discharged|1|${code}` }],
    basedOn: [{ reference: plan }],
    status,
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-code', code }] },
    description: code,
    for: { reference: patient },
    encounter: { reference: encounter },
    authoredOn: '2026-11-27T15:00:05.000-05:00',
    lastModified: '2026-11-27T15:00:05.000-05:00',
    owner: { reference: 'HealthcareService/care-coordination' },
    restriction: { period: { end: due } },
  });
  return [
    { resourceType: 'Patient', identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: `MRN${key}` }], name: [{ family: 'DOE', given: ['JANE'] }], birthDate: '1948-03-02', gender: 'female' },
    {
      resourceType: 'Encounter',
      identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.6', value: `V${key}` }],
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: patient },
      period: { start: '2026-11-20T10:00:00-05:00', end: '2026-11-27T15:00:00-05:00' },
      hospitalization: { dischargeDisposition: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0112', code: '01' }] } },
    },
    {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      category: [{ coding: [{ system: 'http://liaison.health/fhir/CodeSystem/coordination-event', code: 'encounter.discharged' }] }],
      subject: { reference: patient },
      encounter: { reference: encounter },
      period: { start: '2026-11-27T15:00:00-05:00' },
      activity: [1, 2, 3, 4, 5].map((n) => ({ reference: { reference: `Task/t${n}-${key}` } })),
    },
    task('post-discharge-contact', '2026-12-01T23:59:59.999-05:00'),
    task('follow-up-appointment', '2026-12-04T23:59:59.999-05:00'),
    task('medication-reconciliation', '2026-12-04T23:59:59.999-05:00'),
    task('financial-assistance', '2026-12-04T23:59:59.999-05:00'),
    task('check-up-reminder', '2027-01-03T23:59:59.999-05:00', 'draft'),
  ];
}

/** 64 discharges (4 on each of 16 connections), then planner statistics: what the load finds in place. */
export async function arrangeDischarges(context: BenchContext, run: string): Promise<void> {
  await Promise.all(
    Array.from({ length: 16 }, async (_, worker) => {
      const probe = await mllpDischargeWorker(context, run, worker);
      try {
        for (let iteration = 0; iteration < 4; iteration++) await probe.once(iteration);
      } finally {
        await probe.close();
      }
    }),
  );
  await analyze(context);
}

export async function planFloorTable(context: BenchContext): Promise<void> {
  await context.sql(`CREATE TABLE IF NOT EXISTS bench_floor_resources (id uuid PRIMARY KEY, content jsonb NOT NULL)`);
}

export const dischargeMllp: BenchScenario = {
  name: 'discharge-mllp',
  description: 'ADT^A03 (home) over MLLP → Patient, Encounter, CarePlan + 5 Tasks committed → ACK AA',
  async service(context) {
    const run = randomBytes(3).toString('hex');
    await arrangeDischarges(context, `${run}probe`);
    return { kind: 'loop', open: (worker) => mllpDischargeWorker(context, run, worker) };
  },
  async floor(context) {
    await planFloorTable(context);
    return {
      description: 'INSERT the 8 resources (Patient, Encounter, CarePlan, 5 Tasks) as jsonb rows in one transaction',
      async once(db, iteration) {
        const rows = planResources(`f${iteration}`).map((resource) => JSON.stringify(resource));
        await db.query('INSERT INTO bench_floor_resources (id, content) SELECT * FROM unnest($1::uuid[], $2::jsonb[])', [
          rows.map(() => randomUUID()),
          rows,
        ]);
      },
    };
  },
};
