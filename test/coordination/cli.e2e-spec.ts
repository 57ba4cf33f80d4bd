import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '@medplum/fhirtypes';
import { bootTestApp, TestApp } from '../harness/test-app';
import { buildService, CliRun, runCli } from '../platform/compiled-service';
import { codeOf, CoordinationDriver, coverage, encounter, patient } from './support/coordination-driver';

/** `npm run liaison -- coordination:…` (node dist/src/cli.js …) on the test's database. */
describe('coordination operator commands', () => {
  let service: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    await buildService();
    service = await bootTestApp();
    dataDir = await mkdtemp(join(tmpdir(), 'liaison-cli-'));
  }, 180_000);
  afterAll(async () => {
    await service?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]): Promise<CliRun> => runCli(service.database.url, dataDir, args);

  it('shows the defaults, changes what is given, and refuses a bad value naming it', async () => {
    const shown = await cli('coordination:settings', '--json');
    expect([shown.code, shown.stderr]).toEqual([0, '']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ tenantId: 'default', timeZone: 'America/New_York', calendar: 'us-federal', coordinators: [] });

    const changed = await cli('coordination:settings', '--time-zone', 'America/Chicago', '--coordinators', 'Practitioner/ana,Practitioner/ben');
    expect(changed.code).toBe(0);
    expect(changed.stdout).toContain('time zone:                America/Chicago');
    expect(changed.stdout).toContain('coordinators:             Practitioner/ana, Practitioner/ben');
    expect(changed.stdout).toContain('next in turn:             Practitioner/ana');
    const [row] = await service.sql(`SELECT time_zone, coordinators FROM coordination_settings WHERE tenant_id = 'default'`);
    expect(row).toEqual({ time_zone: 'America/Chicago', coordinators: ['Practitioner/ana', 'Practitioner/ben'] });

    const refused = await cli('coordination:settings', '--time-zone', 'Mars/Olympus');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Mars/Olympus is not an IANA time zone');
    expect((await service.sql(`SELECT time_zone FROM coordination_settings WHERE tenant_id = 'default'`))[0].time_zone).toBe('America/Chicago');
  });

  it('runs the schedule once by hand', async () => {
    const driver = await CoordinationDriver.create(service, 'cli-tenant');
    // Discharged long ago (and not covered then): all five Tasks, the check-up call included, are overdue now.
    await driver.receive({
      kind: 'encounter.discharged',
      occurredAt: '2025-06-06T15:00:00-04:00',
      patientId: 'p-cli',
      encounterId: 'e-cli',
      writes: [patient('p-cli'), coverage('c-cli', 'p-cli'), encounter('e-cli', 'p-cli', { start: '2025-06-01T10:00:00-04:00', end: '2025-06-06T15:00:00-04:00', disposition: '01' })],
    });
    const run = await cli('coordination:sweep', '--json');
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toMatchObject({ becameReady: 0, becameOverdue: 5, escalated: 5, failedTenants: 0 });
    const { tasks } = await driver.plan('e-cli', 'encounter.discharged');
    const contact = tasks.find((t: Task) => codeOf(t) === 'post-discharge-contact') as Task;
    expect(contact.businessStatus?.coding?.[0]?.code).toBe('overdue');
  });
});
