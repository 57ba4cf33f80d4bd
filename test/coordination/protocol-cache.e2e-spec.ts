import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PlanDefinition } from '@medplum/fhirtypes';
import { DataSource } from 'typeorm';
import { createLiaisonApp } from '../../src/app.factory';
import { FhirStore } from '../../src/fhir';
import { ControlledClock } from '../../src/platform/clock/clock';
import { loadConfig } from '../../src/platform/config/config';
import { inTenant } from '../../src/platform/database/tenant-scope';
import { bootTestApp, TestApp } from '../harness/test-app';
import { codeOf, coverage, CoordinationDriver, encounter, patient } from './support/coordination-driver';

const DISCHARGED = '2026-11-27T15:00:00-05:00';

/** The shipped discharge-home protocol cut down to the post-discharge call only (a tenant's override). */
function override(id: string): PlanDefinition {
  const shipped = JSON.parse(readFileSync(join(process.cwd(), 'fhir-profiles', 'PlanDefinition-discharge-home.json'), 'utf8')) as PlanDefinition;
  const group = shipped.action?.[0];
  const contact = group?.action?.find((a) => a.id === 'post-discharge-contact');
  return { ...shipped, id, version: '2.0.0', action: [{ ...group, action: [{ ...contact }] }] };
}

/**
 * Protocols are kept in memory per tenant and must follow PlanDefinition writes made by ANY
 * instance: here a second instance of the service, on the same database, stores and then
 * deletes a tenant override while the first keeps taking discharges.
 */
describe('coordination: the protocol cache follows PlanDefinition writes of every instance', () => {
  let service: TestApp;
  let driver: CoordinationDriver;
  let other: NestFastifyApplication;
  let otherDir: string;
  const clock = new ControlledClock('2026-11-27T15:00:05-05:00');

  beforeAll(async () => {
    service = await bootTestApp({}, { clock });
    driver = await CoordinationDriver.create(service);
    otherDir = await mkdtemp(join(tmpdir(), 'liaison-second-'));
    const config = loadConfig(
      { PORT: '0', MLLP_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', LIAISON_DATA_DIR: otherDir, LIAISON_SWEEP_INTERVAL_SECONDS: '0' },
      process.cwd(),
    );
    other = await createLiaisonApp(config, service.database.url, { clock });
    await other.init();
  });
  afterAll(async () => {
    await other.close();
    await rm(otherDir, { recursive: true, force: true });
    await service.close();
  });

  /** Writes through the second instance's store, in its own tenant transaction. */
  async function onOtherInstance(work: (store: FhirStore, tx: Parameters<Parameters<typeof inTenant>[2]>[0]) => Promise<unknown>): Promise<void> {
    await inTenant(other.get(DataSource), 'default', (tx) => work(other.get(FhirStore), tx));
  }
  const principal = { clientId: 'second-instance', tenantId: 'default', scopes: ['system/*.*'] };

  async function dischargeCodes(n: string): Promise<string[]> {
    await driver.receive({
      kind: 'encounter.discharged',
      occurredAt: DISCHARGED,
      patientId: `p-${n}`,
      encounterId: `e-${n}`,
      writes: [patient(`p-${n}`), coverage(`c-${n}`, `p-${n}`), encounter(`e-${n}`, `p-${n}`, { end: DISCHARGED, disposition: '01' })],
    });
    const { carePlans, tasks } = await driver.plansOf(`e-${n}`);
    expect(carePlans).toHaveLength(1);
    return tasks.map((task) => codeOf(task) as string).sort();
  }

  const SHIPPED = ['check-up-reminder', 'follow-up-appointment', 'medication-reconciliation', 'post-discharge-contact'];
  const OVERRIDDEN = ['check-up-reminder', 'post-discharge-contact'];

  it('applies the shipped protocols, then the override another instance stored, then the shipped ones after it deleted it', async () => {
    expect(await dischargeCodes('1')).toEqual(SHIPPED);
    expect(await dischargeCodes('2')).toEqual(SHIPPED);

    await onOtherInstance((store, tx) => store.update(tx, principal, override('my-home')));
    expect(await dischargeCodes('3')).toEqual(OVERRIDDEN);

    const changed = override('my-home');
    changed.action = [{ ...changed.action?.[0], action: [{ ...changed.action?.[0]?.action?.[0], id: 'post-discharge-contact' }] }];
    changed.status = 'retired';
    await onOtherInstance((store, tx) => store.update(tx, principal, changed));
    // A retired override switches the shipped protocol off altogether.
    expect(await dischargeCodes('4')).toEqual(['check-up-reminder']);

    await onOtherInstance((store, tx) => store.delete(tx, principal, 'PlanDefinition', 'my-home'));
    expect(await dischargeCodes('5')).toEqual(SHIPPED);
  });

  it('a PlanDefinition write rolled back leaves the protocols as they were', async () => {
    await expect(
      onOtherInstance(async (store, tx) => {
        await store.update(tx, principal, override('never-committed'));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await dischargeCodes('6')).toEqual(SHIPPED);
  });
});
