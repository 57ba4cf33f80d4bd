import { Hl7Message } from '@medplum/core';
import { Hl7Client, ReturnAckCategory } from '@medplum/hl7';
import type { Bundle } from '@medplum/fhirtypes';
import { fhirClient, FhirTestClient } from '../fhir/support/fhir-clients';
import { bootTestApp, TestApp } from '../harness/test-app';
import { adt, frame, mllpEnv, mllpPort, RawMllpSocket } from './support/mllp';

const CONNECTIONS = 8;
const PATIENTS = 5;
const TRIGGERS = ['A01', 'A08', 'A02', 'A08'] as const;

/**
 * The same patients arriving on many connections at once (an interface engine with several
 * outbound threads, or two feeds): one Patient per MRN, one Encounter per visit, one
 * Practitioner for the attending they all name, and every message acknowledged AA.
 */
describe('8 MLLP connections sending interleaved ADTs for the same patients', () => {
  let service: TestApp;
  let fhir: FhirTestClient;
  beforeAll(async () => {
    service = await bootTestApp(await mllpEnv());
    fhir = await fhirClient(service, { scopes: ['system/*.rs'] });
  });
  afterAll(async () => service?.close());

  async function count(path: string): Promise<number> {
    const response = await fhir.http(path);
    expect(response.status).toBe(200);
    return ((await response.json()) as Bundle).entry?.length ?? 0;
  }

  it('makes no duplicate Patients, Encounters or Practitioners', async () => {
    const port = mllpPort(service);
    const clients = Array.from({ length: CONNECTIONS }, () => new Hl7Client({ host: '127.0.0.1', port }));
    try {
      const acks = await Promise.all(
        clients.map(async (client, connection) => {
          const codes: string[] = [];
          // Each connection walks the patients in its own order, so the same patient is in flight on several at once.
          for (let step = 0; step < PATIENTS * TRIGGERS.length; step++) {
            const patient = (step + connection * 3) % PATIENTS;
            const trigger = TRIGGERS[Math.floor(step / PATIENTS) % TRIGGERS.length];
            const message = adt({
              trigger,
              controlId: `C${connection}-${step}`,
              mrn: `CONC${patient}`,
              time: `202611271${step % 10}0000-0500`,
            });
            const ack = await client.sendAndWait(Hl7Message.parse(message), { returnAck: ReturnAckCategory.FIRST });
            codes.push(ack.getSegment('MSA')?.getField(1)?.toString() ?? '');
          }
          return codes;
        }),
      );
      expect(new Set(acks.flat())).toEqual(new Set(['AA']));
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }

    for (let patient = 0; patient < PATIENTS; patient++) {
      const mrn = encodeURIComponent(`urn:oid:2.16.840.1.113883.19.5|CONC${patient}`);
      const visit = encodeURIComponent(`urn:oid:2.16.840.1.113883.19.6|VCONC${patient}`);
      expect(await count(`/Patient?identifier=${mrn}`)).toBe(1);
      expect(await count(`/Encounter?identifier=${visit}`)).toBe(1);
    }
    expect(await count(`/Patient?_count=100`)).toBe(PATIENTS);
    expect(await count(`/Encounter?_count=100`)).toBe(PATIENTS);
    expect(await count(`/Practitioner?identifier=${encodeURIComponent('urn:oid:2.16.840.1.113883.4.6|1234')}`)).toBe(1);
    const statuses = await service.sql(`SELECT status, count(*)::int AS n FROM ingest_messages GROUP BY status`);
    expect(statuses).toEqual([{ status: 'processed', n: CONNECTIONS * PATIENTS * TRIGGERS.length }]);
  });

  it('the same message sent on two connections at once is stored once and answered the same on both', async () => {
    const message = frame(adt({ trigger: 'A01', controlId: 'TWICE-1', mrn: 'TWICE' }));
    const sockets = await Promise.all([RawMllpSocket.open(mllpPort(service)), RawMllpSocket.open(mllpPort(service))]);
    try {
      await Promise.all(sockets.map((socket) => socket.write(message)));
      const [[first], [second]] = await Promise.all(sockets.map((socket) => socket.waitForReplies(1)));
      expect(second).toBe(first);
    } finally {
      sockets.forEach((socket) => socket.close());
    }
    expect(await service.sql(`SELECT count(*)::int AS n FROM ingest_messages WHERE control_id = 'TWICE-1'`)).toEqual([{ n: 1 }]);
    expect(await count(`/Patient?identifier=${encodeURIComponent('urn:oid:2.16.840.1.113883.19.5|TWICE')}`)).toBe(1);
  });
});
