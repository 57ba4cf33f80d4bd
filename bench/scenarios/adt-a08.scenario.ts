import { randomBytes } from 'node:crypto';
import type { BenchScenario } from '../scenario';
import { adtFloor, adtMessage, admissionResources, adtWorkers, analyze, BenchMllpConnection, hl7Time } from './adt-a01.scenario';

/**
 * HL7 v2 updates in (issue 4): ADT^A08 of an admitted inpatient whose phone number changed, over
 * 16 MLLP connections. Each worker updates its own 8 patients in turn (admitted while the
 * scenario is arranged), so every message finds its Patient and Encounter, writes a new Patient
 * version, and leaves the unchanged Encounter and Practitioner alone.
 *
 * Floor: bare `pg`, one transaction per message inserting the raw message and one `jsonb` row
 * per resource the message implies (Practitioner, Patient, Encounter).
 */
const PATIENTS_PER_WORKER = 8;
const WORKERS = 64;

export const adtA08: BenchScenario = {
  name: 'adt-a08',
  description: 'ADT^A08 (phone changed) of admitted inpatients over 16 MLLP connections → new Patient version committed → ACK AA',
  async service(context) {
    const pool = randomBytes(3).toString('hex');
    const patient = (worker: number, index: number): string => `${pool}u${worker}p${index % PATIENTS_PER_WORKER}`;
    await Promise.all(
      Array.from({ length: 16 }, async (_, lane) => {
        const connection = await BenchMllpConnection.open(context.mllpPort);
        try {
          for (let worker = lane; worker < WORKERS; worker += 16) {
            for (let index = 0; index < PATIENTS_PER_WORKER; index++) {
              const key = patient(worker, index);
              await connection.send(adtMessage({ trigger: 'A01', controlId: `adm-${key}`, patient: key, time: '20261120100000-0500' }));
            }
          }
        } finally {
          connection.close();
        }
      }),
    );
    await analyze(context);
    return {
      kind: 'loop',
      open: adtWorkers(context, (worker, iteration, run) =>
        adtMessage({
          trigger: 'A08',
          controlId: `${run}w${worker}x${iteration}`,
          patient: patient(worker % WORKERS, iteration),
          time: hl7Time(new Date()),
          phone: `(217)555-${String(iteration % 10_000).padStart(4, '0')}`,
        }),
      ),
    };
  },
  async floor(context) {
    const once = await adtFloor(context, admissionResources, (key) => adtMessage({ trigger: 'A08', controlId: key, patient: key, time: hl7Time(new Date(0)) }));
    return { description: 'one transaction: INSERT the raw message + Practitioner, Patient, Encounter as jsonb rows', once };
  },
};
