import type { Encounter, Task } from '@medplum/fhirtypes';
import { ControlledClock } from '../../src/platform/clock/clock';
import { bootTestApp, TestApp } from '../harness/test-app';
import { adt, ackCode, mllpEnv, mllpPort, sendWithHl7Client } from '../ingest/support/mllp';
import { CoordinationDriver, summary } from './support/coordination-driver';

const QUEUE = 'HealthcareService/care-coordination';

/**
 * The whole path a hospital uses: real HL7 v2 ADT messages over MLLP (sent with @medplum/hl7's
 * client), acknowledged after commit, and the plan read back over FHIR REST.
 */
describe('coordination through MLLP: A01 then A03 (PV1-36 01) then A13', () => {
  let service: TestApp;
  let driver: CoordinationDriver;
  const clock = new ControlledClock('2026-11-20T10:00:05-05:00');
  let port: number;

  beforeAll(async () => {
    service = await bootTestApp(await mllpEnv(), { clock });
    driver = await CoordinationDriver.create(service);
    port = mllpPort(service);
  });
  afterAll(() => service.close());

  const send = async (text: string): Promise<string> => ackCode((await sendWithHl7Client(port, text)).toString()) ?? '';

  async function encounterId(): Promise<string> {
    const [encounter] = await driver.search<Encounter>('/Encounter?identifier=VMRN-77');
    return encounter.id as string;
  }

  it('A01 acknowledges AA and starts the admission plan', async () => {
    expect(await send(adt({ trigger: 'A01', controlId: 'MSG-A01', mrn: 'MRN-77', visit: 'VMRN-77', time: '20261120100000-0500', pv1: { 44: '20261120100000-0500' } }))).toBe('AA');
    const { tasks } = await driver.plan(await encounterId(), 'encounter.admitted');
    expect(summary(tasks)).toEqual([
      `discharge-planning | ready | 2026-11-21T10:00:00.000-05:00 | routine | ${QUEUE}`,
      `introduce-coordinator | ready | 2026-11-23T23:59:59.999-05:00 | routine | ${QUEUE}`,
      `verify-coverage | ready | 2026-11-23T23:59:59.999-05:00 | routine | ${QUEUE}`,
    ]);
  });

  it('A03 home acknowledges AA after the discharge plan is committed, with exactly the expected Tasks and due dates', async () => {
    clock.set('2026-11-27T15:00:05-05:00');
    const a03 = adt({
      trigger: 'A03',
      controlId: 'MSG-A03',
      mrn: 'MRN-77',
      visit: 'VMRN-77',
      time: '20261127150000-0500',
      pv1: { 36: '01', 44: '20261120100000-0500', 45: '20261127150000-0500' },
    });
    expect(await send(a03)).toBe('AA');
    const { carePlan, tasks, serviceRequests } = await driver.plan(await encounterId(), 'encounter.discharged');
    expect(carePlan).toMatchObject({ status: 'active', intent: 'plan', period: { start: '2026-11-27T15:00:00-05:00' } });
    expect(summary(tasks)).toEqual([
      `check-up-reminder | draft | 2027-01-03T23:59:59.999-05:00 | routine | ${QUEUE}`,
      // No IN1 in these messages: no active coverage for the stay.
      `financial-assistance | ready | 2026-12-04T23:59:59.999-05:00 | routine | ${QUEUE}`,
      `follow-up-appointment | ready | 2026-12-04T23:59:59.999-05:00 | routine | ${QUEUE}`,
      `medication-reconciliation | ready | 2026-12-04T23:59:59.999-05:00 | routine | ${QUEUE}`,
      `post-discharge-contact | ready | 2026-12-01T23:59:59.999-05:00 | urgent | ${QUEUE}`,
    ]);
    expect(serviceRequests).toEqual([]);

    // The same message again: the same ACK, no second plan, nothing rewritten.
    const before = await driver.versions();
    expect(await send(a03)).toBe('AA');
    expect(await driver.versions()).toEqual(before);
  });

  it('A13 cancels the discharge work', async () => {
    clock.set('2026-11-27T18:00:00-05:00');
    const a13 = adt({
      trigger: 'A13',
      controlId: 'MSG-A13',
      mrn: 'MRN-77',
      visit: 'VMRN-77',
      time: '20261127175500-0500',
      pv1: { 44: '20261120100000-0500' },
    });
    expect(await send(a13)).toBe('AA');
    const { carePlan, tasks } = await driver.plan(await encounterId(), 'encounter.discharged');
    expect(carePlan.status).toBe('revoked');
    expect(tasks.map((t: Task) => [t.status, t.statusReason?.text])).toEqual(tasks.map(() => ['cancelled', 'Discharge cancelled']));
  });
});
