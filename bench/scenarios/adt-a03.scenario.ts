import { randomBytes } from 'node:crypto';
import type { BenchScenario } from '../scenario';
import { adtFloor, adtMessage, admissionResources, analyze, BenchMllpConnection, hl7Time } from './adt-a01.scenario';
import type { LoopWorker } from '../loop.load';

/**
 * HL7 v2 discharges in (issue 4): ADT^A03 (home, PV1-36 01) of an inpatient admitted while the
 * scenario was arranged, over 16 MLLP connections: the Encounter is finished and coordination
 * attaches the discharge plan (CarePlan and Tasks) before the ACK. Each worker discharges the
 * next of its own admitted patients (ADT_A03_POOL per worker, default 60; should the run outlast
 * the pool, the worker starts over and its further discharges are resends in all but control id).
 *
 * Floor: bare `pg`, one transaction per message inserting the raw message and one `jsonb` row
 * per resource the message implies (Practitioner, Patient, Encounter).
 */
const DEFAULT_POOL = 60;

export const adtA03: BenchScenario = {
  name: 'adt-a03',
  description: 'ADT^A03 (home) of admitted inpatients over 16 MLLP connections → Encounter finished, discharge plan committed → ACK AA',
  async service(context) {
    const perWorker = Number(process.env.ADT_A03_POOL ?? DEFAULT_POOL);
    const pool = randomBytes(3).toString('hex');
    const patient = (worker: number, index: number): string => `${pool}d${worker}p${index % perWorker}`;
    const lanes = 16;
    await Promise.all(
      Array.from({ length: lanes }, async (_, worker) => {
        const connection = await BenchMllpConnection.open(context.mllpPort);
        try {
          for (let index = 0; index < perWorker; index++) {
            const key = patient(worker, index);
            await connection.send(adtMessage({ trigger: 'A01', controlId: `adm-${key}`, patient: key, time: '20261120100000-0500' }));
          }
        } finally {
          connection.close();
        }
      }),
    );
    await analyze(context);
    // The next patient of each worker, across the warm-up and the measured run.
    const cursor = new Map<number, number>();
    return {
      kind: 'loop',
      async open(worker): Promise<LoopWorker> {
        const connection = await BenchMllpConnection.open(context.mllpPort);
        const run = randomBytes(3).toString('hex');
        return {
          async once(iteration) {
            const index = cursor.get(worker) ?? 0;
            cursor.set(worker, index + 1);
            await connection.send(
              adtMessage({ trigger: 'A03', controlId: `${run}w${worker}x${iteration}`, patient: patient(worker % lanes, index), time: hl7Time(new Date()) }),
            );
          },
          async close() {
            connection.close();
          },
        };
      },
    };
  },
  async floor(context) {
    const once = await adtFloor(context, admissionResources, (key) => adtMessage({ trigger: 'A03', controlId: key, patient: key, time: hl7Time(new Date(0)) }));
    return { description: 'one transaction: INSERT the raw message + Practitioner, Patient, Encounter as jsonb rows', once };
  },
};
