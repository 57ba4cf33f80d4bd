import { TASK_WORKLIST_BACKFILL_SQL } from '../../migrations/support/task-worklist-backfill';
import { bootTestApp, TestApp } from '../harness/test-app';
import { fhirClient, FhirTestClient } from '../fhir/support/fhir-clients';
import { patient, put, task } from './support/care-fixtures';

const COLUMNS = `tenant_id, task_id, status, open, code, urgency, due_at, owner, patient_id, overdue_marked`;

/**
 * The Task worklist index (fhir_task_worklist) as the store keeps it on every Task write, and
 * the migration's backfill (the same extraction in SQL, for Tasks stored before the index).
 */
describe('Task worklist index', () => {
  let service: TestApp;
  let fhir: FhirTestClient;

  beforeAll(async () => {
    service = await bootTestApp();
    fhir = await fhirClient(service);
    await put(fhir, [patient('wi-p', 'Index', 'Ida')]);
    await put(fhir, [
      task({ id: 'wi-1', patientId: 'wi-p', owner: 'Practitioner/wi', due: '2026-12-01T17:00:00-05:00', priority: 'stat' }),
      task({ id: 'wi-2', patientId: 'wi-p', owner: 'CareTeam/wi', due: '2026-12-01T22:00:00.250Z', status: 'in-progress', overdueMarked: true }),
      task({ id: 'wi-3', patientId: 'wi-p', due: '2026-12-02T08:00:00+01:00', status: 'completed', priority: 'asap' }),
      task({ id: 'wi-4', patientId: 'wi-p', owner: 'Organization/q', due: '2026-12-03T09:00:00Z', status: 'cancelled', priority: 'urgent' }),
      {
        resourceType: 'Task',
        id: 'wi-5',
        status: 'draft',
        intent: 'order',
        code: { coding: [{ system: 'http://loinc.org', code: '1234-5' }] },
        for: { reference: 'Patient/wi-p' },
        restriction: { period: { end: '2026-12-04' } },
      },
      { resourceType: 'Task', id: 'wi-6', status: 'requested', intent: 'order' },
    ]);
  });
  afterAll(() => service?.close());

  async function rows(): Promise<Record<string, unknown>[]> {
    return service.sql(`SELECT ${COLUMNS}, due_at::text AS due_text FROM fhir_task_worklist WHERE task_id LIKE 'wi-%' ORDER BY task_id`);
  }

  it('has one row per Task, with the typed worklist columns', async () => {
    const written = await rows();
    expect(written.map((r) => [r.task_id, r.status, r.open, r.code, r.urgency, r.owner, r.patient_id, r.overdue_marked])).toEqual([
      ['wi-1', 'requested', true, 'post-discharge-contact', 0, 'Practitioner/wi', 'wi-p', false],
      ['wi-2', 'in-progress', true, 'post-discharge-contact', 3, 'CareTeam/wi', 'wi-p', true],
      ['wi-3', 'completed', false, 'post-discharge-contact', 1, null, 'wi-p', false],
      ['wi-4', 'cancelled', false, 'post-discharge-contact', 2, 'Organization/q', 'wi-p', false],
      ['wi-5', 'draft', true, '1234-5', 3, null, 'wi-p', false],
      ['wi-6', 'requested', true, null, 3, null, null, false],
    ]);
    expect(written.map((r) => (r.due_text === 'infinity' ? 'infinity' : (r.due_at as Date).toISOString()))).toEqual([
      '2026-12-01T22:00:00.000Z',
      '2026-12-01T22:00:00.250Z',
      '2026-12-02T07:00:00.000Z',
      '2026-12-03T09:00:00.000Z',
      '2026-12-04T23:59:59.999Z',
      'infinity',
    ]);
  });

  it('follows the Task: a new version updates its row, a delete removes it', async () => {
    const current = (await (await fhir.http('/Task/wi-1')).json()) as Record<string, unknown>;
    await fhir.http('/Task/wi-1', { method: 'PUT', body: JSON.stringify({ ...current, status: 'cancelled', statusReason: { text: 'x' }, owner: { reference: 'Practitioner/other' } }) });
    expect((await fhir.http('/Task/wi-6', { method: 'DELETE' })).status).toBeLessThan(300);
    const after = await rows();
    expect(after.find((r) => r.task_id === 'wi-1')).toMatchObject({ status: 'cancelled', open: false, owner: 'Practitioner/other' });
    expect(after.find((r) => r.task_id === 'wi-6')).toBeUndefined();
  });

  it('is what the migration backfills from the stored Tasks', async () => {
    const indexed = await rows();
    await service.sql(`DELETE FROM fhir_task_worklist WHERE task_id LIKE 'wi-%'`);
    await service.sql(TASK_WORKLIST_BACKFILL_SQL.replace(`WHERE r.resource_type = 'Task'`, `WHERE r.id LIKE 'wi-%' AND r.resource_type = 'Task'`));
    expect(await rows()).toEqual(indexed);
  });
});
