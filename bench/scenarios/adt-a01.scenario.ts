import { randomBytes, randomUUID } from 'node:crypto';
import { connect, Socket } from 'node:net';
import type { Client } from 'pg';
import type { LoopWorker } from '../loop.load';
import type { BenchContext, BenchScenario, FloorLoad } from '../scenario';

/**
 * HL7 v2 admissions in (issue 4): ADT^A01 of a new inpatient over MLLP, one persistent
 * connection per worker (16), each sending its next message when the ACK of the last arrives.
 * An ACK is `AA` only once the raw message, the Patient, the Encounter (and the admission plan
 * coordination attaches to an inpatient admission) are committed; anything else is a failure.
 *
 * Floor (DESIGN.md §3): bare `pg`, one transaction per message inserting the raw message and
 * one `jsonb` row per resource the message implies (Practitioner, Patient, Encounter).
 *
 * This file also holds what the other `adt-*` scenarios share: the MLLP connection, the
 * message builder and the floor.
 */

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;
export const BENCH_FACILITY = 'BENCHHOSP';

/** One MLLP connection: send a framed message, resolve with the framed reply. */
export class BenchMllpConnection {
  private buffer = Buffer.alloc(0);
  private pending: { resolve: (reply: string) => void; reject: (error: Error) => void } | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      const start = this.buffer.indexOf(VT);
      const end = this.buffer.indexOf(FS, start + 1);
      if (start < 0 || end < 0 || end + 1 >= this.buffer.length) return;
      const reply = this.buffer.subarray(start + 1, end).toString('utf8');
      this.buffer = this.buffer.subarray(end + 2);
      const waiting = this.pending;
      this.pending = undefined;
      waiting?.resolve(reply);
    });
    const fail = (error: Error): void => {
      const waiting = this.pending;
      this.pending = undefined;
      waiting?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('MLLP connection closed')));
  }

  static open(port: number): Promise<BenchMllpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new BenchMllpConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one message; resolves with its ACK, rejects unless MSA-1 is AA. */
  async send(message: string): Promise<string> {
    const ack = await new Promise<string>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(Buffer.concat([Buffer.from([VT]), Buffer.from(message, 'utf8'), Buffer.from([FS, CR])]));
    });
    const code = ack.split('\r').find((segment) => segment.startsWith('MSA'))?.split('|')[1];
    if (code !== 'AA') throw new Error(`ACK ${code}: ${ack.replace(/\r/g, ' | ').slice(0, 300)}`);
    return ack;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An HL7 timestamp of `at` in UTC with milliseconds (message times must grow for updates to apply). */
export function hl7Time(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}.${iso.slice(20, 23)}+0000`;
}

export interface AdtOptions {
  readonly trigger: 'A01' | 'A03' | 'A08';
  /** MSH-10. */
  readonly controlId: string;
  /** Identifies the patient (MRN) and the visit. */
  readonly patient: string;
  readonly time: string;
  /** A08: the phone number (changes the Patient). */
  readonly phone?: string;
}

/** An ADT message as an EHR sends it: MSH, EVN, PID (MRN, name, birth date, sex, address, phone), PV1 (inpatient, bed, attending, visit number). */
export function adtMessage(options: AdtOptions): string {
  const { trigger, controlId, patient, time } = options;
  const discharge = trigger === 'A03';
  const pv1 = [
    'PV1', '1', 'I', '4W^401^1', 'E', '', '', '1234567890^WELBY^MARCUS^^^DR^^^NPI&2.16.840.1.113883.4.6&ISO', '', '', 'MED',
    '', '', '', '', '', '', '', '', `V${patient}^^^${BENCH_FACILITY}&2.16.840.1.113883.19.6&ISO^VN`,
    ...Array<string>(16).fill(''), discharge ? '01' : '', ...Array<string>(7).fill(''), '20261120100000-0500', discharge ? '20261127150000-0500' : '',
  ];
  return [
    `MSH|^~\\&|ADT|${BENCH_FACILITY}|LIAISON|LIAISON|${time}||ADT^${trigger}^ADT_A01|${controlId}|P|2.5.1`,
    `EVN|${trigger}|${time}`,
    `PID|1||MRN${patient}^^^${BENCH_FACILITY}&2.16.840.1.113883.19.5&ISO^MR||DOE^JANE^Q||19480302|F|||12 ELM ST^^SPRINGFIELD^IL^62701^USA^H||${options.phone ?? '(217)555-0100'}^PRN^PH`,
    pv1.join('|').replace(/\|+$/, ''),
  ].join('\r');
}

/** A bare-`pg` message transaction: the raw message and one jsonb row per resource. */
export async function adtFloor(context: BenchContext, resources: (key: string) => readonly Record<string, unknown>[], message: (key: string) => string): Promise<FloorLoad['once']> {
  await context.sql(`CREATE TABLE IF NOT EXISTS bench_floor_messages (id uuid PRIMARY KEY, raw bytea NOT NULL, received_at timestamptz NOT NULL)`);
  await context.sql(`CREATE TABLE IF NOT EXISTS bench_floor_resources (id uuid PRIMARY KEY, content jsonb NOT NULL)`);
  const run = randomBytes(3).toString('hex');
  return async (db: Client, iteration: number) => {
    const key = `f${run}x${iteration}`;
    await db.query('BEGIN');
    try {
      await db.query('INSERT INTO bench_floor_messages (id, raw, received_at) VALUES ($1, $2, now())', [randomUUID(), Buffer.from(message(key))]);
      for (const resource of resources(key)) {
        await db.query('INSERT INTO bench_floor_resources (id, content) VALUES ($1, $2::jsonb)', [randomUUID(), JSON.stringify(resource)]);
      }
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK');
      throw error;
    }
  };
}

/** The resources an admission message implies, roughly as the service stores them. */
export function admissionResources(key: string): Record<string, unknown>[] {
  return [
    {
      resourceType: 'Practitioner',
      identifier: [{ system: 'urn:oid:2.16.840.1.113883.4.6', value: '1234567890' }],
      name: [{ family: 'WELBY', given: ['MARCUS'], prefix: ['DR'] }],
    },
    {
      resourceType: 'Patient',
      meta: { source: `urn:liaison:hl7:${BENCH_FACILITY}:${key}` },
      identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:oid:2.16.840.1.113883.19.5', value: `MRN${key}` }],
      active: true,
      name: [{ family: 'DOE', given: ['JANE', 'Q'] }],
      telecom: [{ system: 'phone', value: '(217)555-0100', use: 'home' }],
      gender: 'female',
      birthDate: '1948-03-02',
      address: [{ use: 'home', line: ['12 ELM ST'], city: 'SPRINGFIELD', state: 'IL', postalCode: '62701', country: 'USA' }],
    },
    {
      resourceType: 'Encounter',
      meta: { source: `urn:liaison:hl7:${BENCH_FACILITY}:${key}` },
      identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.6', value: `V${key}` }],
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/p-${key}` },
      participant: [{ individual: { reference: 'Practitioner/x', display: 'DR MARCUS WELBY' } }],
      period: { start: '2026-11-20T10:00:00-05:00' },
      location: [{ location: { display: '4W, 401, 1' }, status: 'active' }],
    },
  ];
}

/**
 * A fresh database has no planner statistics until autovacuum's first pass (a minute or more):
 * until then PostgreSQL plans the store's searches as if every table were empty (a search by
 * identifier walks every Encounter of the tenant). A production database has them; take them
 * once the scenario's data is arranged. Statistics of a table holding one row are as misleading
 * (every column looks unique, so "the tenant's rows" looks like one row and any index will do):
 * arrange a realistic amount first (see `admitCensus`).
 */
export async function analyze(context: BenchContext): Promise<void> {
  await context.sql('ANALYZE');
}

/** Patients admitted before the load starts, then planner statistics: the ward the load finds. */
const CENSUS_PER_CONNECTION = 16;

/** Admits 16 × 16 inpatients over 16 connections (what a hospital feed finds in place), then `analyze`. */
export async function admitCensus(context: BenchContext): Promise<void> {
  const census = randomBytes(3).toString('hex');
  await Promise.all(
    Array.from({ length: 16 }, async (_, lane) => {
      const connection = await BenchMllpConnection.open(context.mllpPort);
      try {
        for (let index = 0; index < CENSUS_PER_CONNECTION; index++) {
          const key = `${census}c${lane}p${index}`;
          await connection.send(adtMessage({ trigger: 'A01', controlId: `census-${key}`, patient: key, time: hl7Time(new Date()) }));
        }
      } finally {
        connection.close();
      }
    }),
  );
  await analyze(context);
}

/** Per worker, a fresh MLLP connection sending what `next` builds. */
export function adtWorkers(context: BenchContext, next: (worker: number, iteration: number, run: string) => string) {
  return async (worker: number): Promise<LoopWorker> => {
    const connection = await BenchMllpConnection.open(context.mllpPort);
    const run = randomBytes(3).toString('hex');
    return {
      async once(iteration) {
        await connection.send(next(worker, iteration, run));
      },
      async close() {
        connection.close();
      },
    };
  };
}

export const adtA01: BenchScenario = {
  name: 'adt-a01',
  description: 'ADT^A01 (new inpatient) over 16 MLLP connections → raw message, Patient, Encounter, admission plan committed → ACK AA',
  async service(context) {
    await admitCensus(context);
    return {
      kind: 'loop',
      open: adtWorkers(context, (worker, iteration, run) => {
        const key = `${run}w${worker}x${iteration}`;
        return adtMessage({ trigger: 'A01', controlId: key, patient: key, time: hl7Time(new Date()) });
      }),
    };
  },
  async floor(context) {
    const once = await adtFloor(context, admissionResources, (key) => adtMessage({ trigger: 'A01', controlId: key, patient: key, time: hl7Time(new Date(0)) }));
    return { description: 'one transaction: INSERT the raw message + Practitioner, Patient, Encounter as jsonb rows', once };
  },
};
