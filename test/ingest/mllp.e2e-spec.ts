import type { Bundle, CarePlan, Coverage, Encounter, Patient, Resource } from '@medplum/fhirtypes';
import { fhirClient, FhirTestClient } from '../fhir/support/fhir-clients';
import { bootTestApp, TestApp } from '../harness/test-app';
import { adt, frame, mllpEnv, mllpPort, RawMllpSocket, segment, sendWithHl7Client } from './support/mllp';

const MRN_SYSTEM = 'urn:oid:2.16.840.1.113883.19.5';
const VISIT_SYSTEM = 'urn:oid:2.16.840.1.113883.19.6';

async function search<T extends Resource>(fhir: FhirTestClient, path: string): Promise<T[]> {
  const response = await fhir.http(path);
  expect(response.status).toBe(200);
  return (((await response.json()) as Bundle).entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource as T);
}

const patientsWithMrn = (fhir: FhirTestClient, mrn: string): Promise<Patient[]> =>
  search<Patient>(fhir, `/Patient?identifier=${encodeURIComponent(`${MRN_SYSTEM}|${mrn}`)}`);
const encountersWithVisit = (fhir: FhirTestClient, visit: string): Promise<Encounter[]> =>
  search<Encounter>(fhir, `/Encounter?identifier=${encodeURIComponent(`${VISIT_SYSTEM}|${visit}`)}`);

/** Sends one framed message on a fresh raw socket and returns its ACK text. */
async function sendOne(service: TestApp, message: string | Buffer): Promise<string> {
  const socket = await RawMllpSocket.open(mllpPort(service));
  try {
    await socket.write(frame(message));
    const [ack] = await socket.waitForReplies(1);
    return ack;
  } finally {
    socket.close();
  }
}

function msa(ack: string): string[] {
  return (ack.split('\r').find((s) => s.startsWith('MSA')) ?? '').split('|');
}

describe('MLLP listener and ingest', () => {
  let service: TestApp;
  let fhir: FhirTestClient;
  beforeAll(async () => {
    service = await bootTestApp({ ...(await mllpEnv()), LIAISON_MLLP_MAX_MESSAGE_BYTES: '4096' });
    fhir = await fhirClient(service, { scopes: ['system/*.rs'] });
  });
  afterAll(async () => service?.close());

  it('is ready only while MLLP listens, and says so', async () => {
    const response = await fetch(`${service.baseUrl}/health/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { details: Record<string, { status: string; listening?: boolean; port?: number }> };
    expect(body.details.mllp).toEqual({ status: 'up', enabled: true, listening: true, port: mllpPort(service) });
  });

  it('reassembles a frame split across many TCP packets', async () => {
    const bytes = frame(adt({ trigger: 'A01', controlId: 'SPLIT-1', mrn: 'S1' }));
    const socket = await RawMllpSocket.open(mllpPort(service));
    try {
      for (let at = 0; at < bytes.length; at += 7) {
        await socket.write(bytes.subarray(at, at + 7));
        if (at % 70 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const [ack] = await socket.waitForReplies(1);
      expect(msa(ack).slice(1, 3)).toEqual(['AA', 'SPLIT-1']);
    } finally {
      socket.close();
    }
    expect(await patientsWithMrn(fhir, 'S1')).toHaveLength(1);
  });

  it('answers several frames in one packet, in order, ignoring bytes between frames', async () => {
    const packet = Buffer.concat([
      frame(adt({ trigger: 'A01', controlId: 'MERGED-1', mrn: 'G1' })),
      Buffer.from('\r\n  junk between frames  \n'),
      frame(adt({ trigger: 'A01', controlId: 'MERGED-2', mrn: 'G2' })),
      frame(adt({ trigger: 'A01', controlId: 'MERGED-3', mrn: 'G3' })),
    ]);
    const socket = await RawMllpSocket.open(mllpPort(service));
    try {
      await socket.write(packet);
      const acks = await socket.waitForReplies(3);
      expect(acks.map((ack) => msa(ack).slice(1, 3))).toEqual([
        ['AA', 'MERGED-1'],
        ['AA', 'MERGED-2'],
        ['AA', 'MERGED-3'],
      ]);
    } finally {
      socket.close();
    }
  });

  it('rejects a message over the size limit with AR, without buffering it, and keeps the connection', async () => {
    const big = adt({ trigger: 'A01', controlId: 'BIG-1', mrn: 'B1', extra: [`NTE|1||${'x'.repeat(6000)}`] });
    const socket = await RawMllpSocket.open(mllpPort(service));
    try {
      await socket.write(frame(big));
      await socket.write(frame(adt({ trigger: 'A01', controlId: 'SMALL-1', mrn: 'B2' })));
      const [tooLarge, next] = await socket.waitForReplies(2);
      expect(msa(tooLarge).slice(1, 3)).toEqual(['AR', 'BIG-1']);
      expect(tooLarge).toContain('at most 4096');
      expect(msa(next).slice(1, 3)).toEqual(['AA', 'SMALL-1']);
    } finally {
      socket.close();
    }
    expect(await patientsWithMrn(fhir, 'B1')).toHaveLength(0);
  });

  it('a resend (same facility, control id and bytes) gets the same ACK and has no second effect', async () => {
    const message = adt({ trigger: 'A01', controlId: 'RESEND-1', mrn: 'R1' });
    const first = await sendOne(service, message);
    const [patient] = await patientsWithMrn(fhir, 'R1');
    const second = await sendOne(service, message);
    // Framed differently (LF endings, a BOM): still the same message.
    const third = await sendOne(service, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(message.replace(/\r/g, '\n'))]));
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(msa(first)[1]).toBe('AA');
    const [again] = await patientsWithMrn(fhir, 'R1');
    expect(again.meta?.versionId).toBe(patient.meta?.versionId);
    expect(await encountersWithVisit(fhir, 'VR1')).toHaveLength(1);
    const rows = await service.sql(`SELECT count(*)::int AS n FROM ingest_messages WHERE control_id = 'RESEND-1'`);
    expect(rows[0].n).toBe(1);
  });

  it('a control id reused for a different message is processed as a new message, with a warning', async () => {
    const first = await sendOne(service, adt({ trigger: 'A01', controlId: 'REUSED-1', mrn: 'U1' }));
    const second = await sendOne(service, adt({ trigger: 'A01', controlId: 'REUSED-1', mrn: 'U2' }));
    expect(msa(first)[1]).toBe('AA');
    expect(first).not.toContain('ERR');
    expect(msa(second)[1]).toBe('AA');
    expect(second).toContain('ERR||MSH^1^10^1|205^Duplicate key identifier^HL70357|W|');
    expect(await patientsWithMrn(fhir, 'U2')).toHaveLength(1);
  });

  it('an older message never overwrites newer data', async () => {
    await sendOne(service, adt({ trigger: 'A01', controlId: 'ORDER-1', mrn: 'O1', family: 'FIRST', time: '20261127080000-0500' }));
    await sendOne(service, adt({ trigger: 'A08', controlId: 'ORDER-3', mrn: 'O1', family: 'NEWEST', time: '20261127120000-0500' }));
    const late = await sendOne(service, adt({ trigger: 'A08', controlId: 'ORDER-2', mrn: 'O1', family: 'STALE', time: '20261127100000-0500' }));
    expect(msa(late)[1]).toBe('AA');
    const [patient] = await patientsWithMrn(fhir, 'O1');
    expect(patient.name?.[0].family).toBe('NEWEST');
    const [row] = await service.sql(`SELECT effects FROM ingest_messages WHERE control_id = 'ORDER-2'`);
    expect(row.effects).toEqual([]);
  });

  it('a cancel for a visit it does not know is an AE naming PV1-19, stored with its outcome', async () => {
    const ack = await sendOne(service, adt({ trigger: 'A11', controlId: 'CANCEL-UNKNOWN', mrn: 'C1', visit: 'NOPE' }));
    expect(msa(ack).slice(1, 3)).toEqual(['AE', 'CANCEL-UNKNOWN']);
    expect(ack).toContain('ERR||PV1^1^19^1|204^Unknown key identifier^HL70357|E|');
    const [row] = await service.sql(`SELECT status, reply_code, reply FROM ingest_messages WHERE control_id = 'CANCEL-UNKNOWN'`);
    expect(row).toMatchObject({ status: 'error', reply_code: 'AE', reply: ack });
    // Rolled back: not even the patient of the message was kept.
    expect(await patientsWithMrn(fhir, 'C1')).toHaveLength(0);
  });

  it('a message the store refuses is rolled back whole, stored with its AE, and answered after', async () => {
    // IN1-12/13: a coverage that ends before it starts fails FHIR validation after the patient and encounter were written.
    const ack = await sendOne(
      service,
      adt({ trigger: 'A01', controlId: 'INVALID-1', mrn: 'I1', extra: [segment('IN1', { 1: '1', 3: 'PAYER1^^^HOSP', 4: 'ACME HEALTH', 12: '20270101', 13: '20260101', 36: 'MEMBER1' })] }),
    );
    expect(msa(ack).slice(1, 3)).toEqual(['AE', 'INVALID-1']);
    expect(await patientsWithMrn(fhir, 'I1')).toHaveLength(0);
    expect(await encountersWithVisit(fhir, 'VI1')).toHaveLength(0);
    const [row] = await service.sql(`SELECT status, reply_code, effects, error FROM ingest_messages WHERE control_id = 'INVALID-1'`);
    expect(row).toMatchObject({ status: 'error', reply_code: 'AE', effects: [] });
    // The FHIR store refused the Coverage (period end before start), after the Patient and Encounter were written.
    expect((row.error as { issue: { expression?: string[] }[] }).issue[0].expression).toEqual(['Coverage.period']);
  });

  it('writes every resource one message changed, each once, with the effects recorded', async () => {
    const in1 = (fields: Record<number, string>): string => segment('IN1', { 1: '1', 3: 'PAYER1^^^HOSP', 4: 'ACME HEALTH', 36: 'M-BATCH', ...fields });
    expect(msa(await sendOne(service, adt({ trigger: 'A01', controlId: 'BATCH-1', mrn: 'B1', extra: [in1({ 8: 'G-1' })] })))[1]).toBe('AA');
    const [coverage] = await search<Coverage>(fhir, `/Coverage?identifier=${encodeURIComponent('M-BATCH')}`);
    expect(coverage.meta?.versionId).toBe('1');
    // The update changes the patient, the visit and the coverage (written together: one new version each).
    const ack = await sendOne(
      service,
      adt({
        trigger: 'A08',
        controlId: 'BATCH-2',
        mrn: 'B1',
        family: 'BATCHED',
        time: '20261127110000-0500',
        pv1: { 3: '5E^502^1' },
        extra: [in1({ 8: 'G-2' })],
      }),
    );
    expect(msa(ack)[1]).toBe('AA');
    const [patient] = await patientsWithMrn(fhir, 'B1');
    const [encounter] = await encountersWithVisit(fhir, 'VB1');
    const coverages = await search<Coverage>(fhir, `/Coverage?identifier=${encodeURIComponent('M-BATCH')}`);
    expect(patient).toMatchObject({ name: [{ family: 'BATCHED' }], meta: { versionId: '2' } });
    expect(encounter.meta?.versionId).toBe('2');
    expect(coverages).toHaveLength(1);
    expect(coverages[0]).toMatchObject({ id: coverage.id, class: [expect.objectContaining({ value: 'G-2' })], meta: { versionId: '2' } });
    const [row] = await service.sql(`SELECT effects FROM ingest_messages WHERE control_id = 'BATCH-2'`);
    expect([...(row.effects as string[])].sort()).toEqual(
      [
        `Patient/${patient.id}/_history/2`,
        `Encounter/${encounter.id}/_history/2`,
        `Coverage/${coverage.id}/_history/2`,
      ].sort(),
    );
  });

  it('a discharge home goes to coordination in the same transaction: the encounter gets its CarePlan', async () => {
    await sendWithHl7Client(mllpPort(service), adt({ trigger: 'A01', controlId: 'DIS-1', mrn: 'D1' }));
    const ack = await sendWithHl7Client(
      mllpPort(service),
      adt({ trigger: 'A03', controlId: 'DIS-2', mrn: 'D1', time: '20261127150000-0500', pv1: { 36: '01', 45: '20261127143000-0500' } }),
    );
    expect(ack.getSegment('MSA')?.getField(1)?.toString()).toBe('AA');
    const [encounter] = await encountersWithVisit(fhir, 'VD1');
    expect(encounter).toMatchObject({ status: 'finished', period: { start: '2026-11-20T08:00:00-05:00', end: '2026-11-27T14:30:00-05:00' } });
    const plans = await search<CarePlan>(fhir, `/CarePlan?encounter=Encounter/${encounter.id}`);
    expect(plans.length).toBeGreaterThan(0);
  });

  it('A40: the replaced patient is retired (replaced-by), what pointed at it moves, the survivor takes its identifiers', async () => {
    await sendOne(service, adt({ trigger: 'A01', controlId: 'MERGE-1', mrn: 'OLD', extra: [segment('IN1', { 1: '1', 3: 'PAYER1^^^HOSP', 4: 'ACME HEALTH', 36: 'M-OLD' })] }));
    await sendOne(service, adt({ trigger: 'A01', controlId: 'MERGE-2', mrn: 'NEW' }));
    const [old] = await patientsWithMrn(fhir, 'OLD');
    const [survivor] = await patientsWithMrn(fhir, 'NEW');
    const merge = [
      `MSH|^~\\&|ADT|HOSP|LIAISON|LIAISON|20261127130000-0500||ADT^A40^ADT_A39|MERGE-3|P|2.5.1`,
      `EVN|A40|20261127130000-0500`,
      segment('PID', { 1: '1', 3: `NEW^^^HOSP&2.16.840.1.113883.19.5&ISO^MR`, 5: 'DOE^JANE' }),
      segment('MRG', { 1: `OLD^^^HOSP&2.16.840.1.113883.19.5&ISO^MR` }),
    ].join('\r');
    const ack = await sendOne(service, merge);
    expect(msa(ack)[1]).toBe('AA');

    const retired = (await (await fhir.http(`/Patient/${old.id}`)).json()) as Patient;
    expect(retired.active).toBe(false);
    expect(retired.link).toEqual([{ other: { reference: `Patient/${survivor.id}` }, type: 'replaced-by' }]);
    // Both records carry the old MRN (the retired one as `use: old`); only the survivor is active.
    const found = await patientsWithMrn(fhir, 'OLD');
    expect(found.map((p) => p.id).sort()).toEqual([old.id, survivor.id].sort());
    const live = found.find((p) => p.active !== false)!;
    expect(live.id).toBe(survivor.id);
    expect(live.link).toEqual([{ other: { reference: `Patient/${old.id}` }, type: 'replaces' }]);
    expect(retired.identifier?.find((i) => i.value === 'OLD')?.use).toBe('old');
    const [encounter] = await encountersWithVisit(fhir, 'VOLD');
    expect(encounter.subject?.reference).toBe(`Patient/${survivor.id}`);
    const coverages = await search<Coverage>(fhir, `/Coverage?beneficiary=Patient/${survivor.id}`);
    expect(coverages.map((c) => c.subscriberId)).toEqual(['M-OLD']);
    expect(await search(fhir, `/Encounter?subject=Patient/${old.id}`)).toHaveLength(0);

    // A later message with the old MRN updates the survivor, not a new patient.
    await sendOne(service, adt({ trigger: 'A08', controlId: 'MERGE-4', mrn: 'OLD', family: 'LATER', time: '20261127140000-0500' }));
    const later = (await (await fhir.http(`/Patient/${survivor.id}`)).json()) as Patient;
    expect(later.name?.[0].family).toBe('LATER');
    const unchanged = (await (await fhir.http(`/Patient/${old.id}`)).json()) as Patient;
    expect(unchanged.meta?.versionId).toBe(retired.meta?.versionId);
    expect(await patientsWithMrn(fhir, 'OLD')).toHaveLength(2);
  });

  it('closes a connection idle in the middle of a frame, and stores nothing of it', async () => {
    // A separate app with a 1 s idle timeout.
    const quick = await bootTestApp({ ...(await mllpEnv()), LIAISON_MLLP_IDLE_TIMEOUT_SECONDS: '1' });
    try {
      const idle = await RawMllpSocket.open(mllpPort(quick));
      const half = await RawMllpSocket.open(mllpPort(quick));
      const bytes = frame(adt({ trigger: 'A01', controlId: 'HALF-1', mrn: 'H1' }));
      await half.write(bytes.subarray(0, 40));
      const started = Date.now();
      await Promise.all([idle.closedAt, half.closedAt]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(800);
      expect(half.replies).toEqual([]);
      expect(await quick.sql(`SELECT count(*)::int AS n FROM ingest_messages`)).toEqual([{ n: 0 }]);
    } finally {
      await quick.close();
    }
  });
});

describe('facilities and tenants (LIAISON_MLLP_FACILITIES)', () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await bootTestApp({ ...(await mllpEnv()), LIAISON_MLLP_FACILITIES: 'NORTH_HOSP=north,SOUTH_HOSP=south' });
  });
  afterAll(async () => service?.close());

  it('feeds each facility into its tenant, and rejects an unknown facility with AR', async () => {
    const north = await sendOne(service, adt({ trigger: 'A01', controlId: 'T-1', mrn: 'T1', facility: 'NORTH_HOSP' }));
    const unknown = await sendOne(service, adt({ trigger: 'A01', controlId: 'T-2', mrn: 'T2', facility: 'ELSEWHERE' }));
    expect(msa(north)[1]).toBe('AA');
    expect(msa(unknown).slice(1, 3)).toEqual(['AR', 'T-2']);
    expect(unknown).toContain('ERR||MSH^1^4^1|204^Unknown key identifier^HL70357|E|');

    const northClient = await fhirClient(service, { tenant: 'north', scopes: ['system/*.rs'] });
    const southClient = await fhirClient(service, { tenant: 'south', scopes: ['system/*.rs'] });
    const token = encodeURIComponent('urn:oid:2.16.840.1.113883.19.5|T1');
    expect(await search(northClient, `/Patient?identifier=${token}`)).toHaveLength(1);
    expect(await search(southClient, `/Patient?identifier=${token}`)).toHaveLength(0);
    expect(await service.sql(`SELECT tenant_id, control_id FROM ingest_messages ORDER BY control_id`)).toEqual([{ tenant_id: 'north', control_id: 'T-1' }]);
  });
});

describe('shutdown', () => {
  it('stops accepting, finishes the message in flight and acknowledges it, then closes', async () => {
    const service = await bootTestApp({ ...(await mllpEnv()), NODE_ENV: 'test', LIAISON_TEST_MLLP_ACK_DELAY_MS: '700' });
    const port = mllpPort(service);
    try {
      const socket = await RawMllpSocket.open(port);
      await socket.write(frame(adt({ trigger: 'A01', controlId: 'FLIGHT-1', mrn: 'F1' })));
      // The message is committed; its ACK is due in 700 ms. Shut down now.
      for (let i = 0; i < 50; i++) {
        const rows = await service.sql(`SELECT status FROM ingest_messages WHERE control_id = 'FLIGHT-1'`);
        if (rows[0]?.status === 'processed') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const closing = service.app.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const refused = await RawMllpSocket.open(port).then(
        (late) => {
          late.close();
          return false;
        },
        () => true,
      );
      expect(refused).toBe(true);
      const [ack] = await socket.waitForReplies(1);
      expect(msa(ack).slice(1, 3)).toEqual(['AA', 'FLIGHT-1']);
      await socket.closedAt;
      await closing;
    } finally {
      await service.close().catch(() => undefined);
    }
  });
});
